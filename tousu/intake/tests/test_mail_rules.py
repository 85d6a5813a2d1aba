"""What a raw mail says, without a database: text, number, phone, automatic senders."""

from __future__ import annotations

from email.message import EmailMessage

from tousu.intake import mail_rules


def _raw(**headers: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = headers.pop("From", "张三 <zhang@example.com>")
    mail["Subject"] = headers.pop("Subject", "宽带断网")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content("家里宽带三天没网了")
    return mail.as_bytes()


def test_html_is_reduced_to_its_visible_text() -> None:
    text = mail_rules.html_to_text(
        "<html><head><style>p{}</style><script>alert(1)</script></head>"
        "<body><p>信号&amp;网络</p><div>很差<img src=x onerror=alert(2)></div></body></html>"
    )
    assert text == "信号&网络\n\n很差"


def test_a_person_writing_is_not_automatic_but_an_auto_reply_and_a_bounce_are() -> None:
    assert mail_rules.mail_parse(_raw()).automatic == ""
    assert mail_rules.mail_parse(_raw(Auto_Submitted="auto-replied")).automatic == "auto_reply"
    assert mail_rules.mail_parse(_raw(X_Autoreply="yes")).automatic == "auto_reply"
    assert mail_rules.mail_parse(_raw(Precedence="bulk")).automatic == "auto_reply"
    assert mail_rules.mail_parse(_raw(From="MAILER-DAEMON@mx.example.com")).automatic == "bounce"
    assert mail_rules.mail_parse(_raw(Return_Path="<>")).automatic == "bounce"


def test_the_number_and_the_phone_are_found_in_what_people_write() -> None:
    assert mail_rules.number_in("Re: 投诉 TS202612060001 已受理") == "TS202612060001"
    assert mail_rules.number_in("Re: TS2026") == ""
    assert mail_rules.phone_in("我的号码是 138 0013 8000，谢谢") == "13800138000"
    assert mail_rules.phone_in("订单号 2026120612345678") == ""


def test_a_mail_without_message_id_is_known_by_its_bytes() -> None:
    raw = _raw()
    assert mail_rules.mail_parse(raw).message_id == mail_rules.mail_parse(raw).message_id
    assert mail_rules.mail_parse(raw).message_id.endswith("@no-message-id>")
