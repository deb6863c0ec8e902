from django.urls import path

from javob.connectors.webchat import views

urlpatterns = [
    path("<str:public_id>/session", views.session, name="widget-session"),
    path("<str:public_id>/visitor", views.visitor_details, name="widget-visitor"),
    path("<str:public_id>/messages", views.messages, name="widget-messages"),
    path("<str:public_id>/handover", views.handover, name="widget-handover"),
    path("<str:public_id>/transcript", views.transcript, name="widget-transcript"),
    path("<str:public_id>/avatars/<str:key>", views.avatar, name="widget-avatar"),
    path(
        "<str:public_id>/attachments/<int:attachment_id>",
        views.attachment,
        name="widget-attachment",
    ),
]
