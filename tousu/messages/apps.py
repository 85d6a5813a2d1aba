from django.apps import AppConfig


class MessagesConfig(AppConfig):
    name = "tousu.messages"
    # Django's own messages framework has the label "messages".
    label = "customer_messages"
    verbose_name = "客户消息"

    def ready(self) -> None:
        # Declares the reasons this app writes, so that any page or job can render them.
        from tousu.complaints.retention import model_texts_redactor, redactor_register
        from tousu.complaints.selectors import reply_held_register
        from tousu.messages import selectors, services, triggers  # noqa: F401
        from tousu.messages.models import Message
        from tousu.messages.wechat import register_if_configured

        triggers.listen()
        # Closing as accepted waits for the reply to reach the customer (resolution's rule).
        reply_held_register("customer_messages.reply", selectors.reply_held_until)
        # What was said to and by the customer is anonymised with them at the end of the
        # retention period (R12.2), as notes and callbacks are.
        redactor_register(
            "customer_messages.message",
            model_texts_redactor(Message, ["text", "subject", "address"]),
        )
        # Only a configured account has a transport: without one, a WeChat message fails
        # with "no transport" on its record instead of calling WeChat with empty credentials.
        register_if_configured()
