from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm


class DatePicker(forms.DateInput):
    """The browser's date picker. It only accepts ISO dates, while the zh-hans locale would
    render 2026/01/05: without the fixed format a stored date shows blank and is lost on save."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PhoneField(forms.CharField):
    """A phone number box: the phone's number keypad, and only a real mobile or landline
    number passes (core.rules.parse_phone), stored in one form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value):
        from .rules import RuleViolation, parse_phone

        value = super().clean(value)
        try:
            return parse_phone(value)
        except RuleViolation as violation:
            raise forms.ValidationError(violation.message, code=violation.code) from None


class LoginForm(AuthenticationForm):
    """Django's login form with Chinese messages; the same message for an unknown user and a
    wrong password (S4), so a failed login does not tell whether the account exists."""

    error_messages = {
        "invalid_login": "用户名或密码不正确。请注意密码区分大小写。",
        "inactive": "用户名或密码不正确。请注意密码区分大小写。",
    }

    username = forms.CharField(label="用户名", max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True,
                                                             "autocomplete": "username"}))
    password = forms.CharField(label="密码", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class ChangePasswordForm(PasswordChangeForm):
    """Django's form; saving goes through core.services.user_change_password. The rules are
    listed as plain text: no template marks a help text safe."""

    def __init__(self, *args, **kwargs):
        from django.contrib.auth.password_validation import password_validators_help_texts

        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = "".join(password_validators_help_texts())

    def save(self, commit=True):
        from .services import user_change_password

        return user_change_password(user=self.user, password=self.cleaned_data["new_password1"])


class TokenForm(forms.Form):
    """A 6-digit code from the authenticator app, or one of the recovery codes."""

    token = forms.CharField(label="验证码", max_length=20, strip=True,
                            error_messages={"required": "请输入验证码。"},
                            help_text="打开手机上的身份验证器，输入“通州区住院护理补贴保险”显示的6位数字；手机丢失时可输入一个恢复码。",
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text",
                                                          "autofocus": True}))


class ResetReasonForm(forms.Form):
    reason = forms.CharField(label="重置事由", min_length=2, max_length=200,
                             error_messages={"required": "请填写重置事由。", "min_length": "事由至少2个字。"},
                             help_text="例如：手机丢失，本人电话确认后重置。")
