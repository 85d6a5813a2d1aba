from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "tousu.intake"
    label = "intake"
    verbose_name = "受理"

    def ready(self) -> None:
        # Declares the reasons this app writes, so that any page or job can render them.
        from tousu.complaints.retention import model_texts_redactor, redactor_register
        from tousu.intake import inbound_sms, risk, rules  # noqa: F401
        from tousu.intake.models import InboundMail, InboundSms, WeChatInbound
        from tousu.intake.wording import approved_message_wording
        from tousu.messages.templates import provider_register

        # The messages' texts from the approved wording (knowledge): messages may not import
        # knowledge (siblings), intake sits above both.
        provider_register(approved_message_wording)
        # An SMS's text and sender are the customer's words and phone: anonymised with them at
        # the end of the retention period (R12.2), as the messages threaded from it are.
        redactor_register("intake.inboundsms", model_texts_redactor(InboundSms, ["text", "sender"]))
        # A mail's sender and subject, a WeChat message and the answer that greeted the customer
        # by name, likewise; those of no complaint are deleted instead (intake.retention).
        redactor_register(
            "intake.inboundmail", model_texts_redactor(InboundMail, ["sender", "subject"])
        )
        redactor_register(
            "intake.wechatinbound", model_texts_redactor(WeChatInbound, ["text", "reply"])
        )
