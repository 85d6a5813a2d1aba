from django.apps import AppConfig


class MessagesConfig(AppConfig):
    name = "tousu.messages"
    # Django's own messages framework has the label "messages".
    label = "customer_messages"
    verbose_name = "客户消息"

    def ready(self) -> None:
        # Declares the reasons this app writes, so that any page or job can render them.
        from tousu.messages import services  # noqa: F401
        from tousu.messages.wechat import register_if_configured

        # Only a configured account has a transport: without one, a WeChat message fails
        # with "no transport" on its record instead of calling WeChat with empty credentials.
        register_if_configured()
