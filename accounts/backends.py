from allauth.account.auth_backends import AuthenticationBackend


class CommonsAuthenticationBackend(AuthenticationBackend):
    """allauth's backend, loading the signed-in person with their organisation in one query."""

    def get_user(self, user_id):
        from accounts.models import User

        user = User._default_manager.select_related("organisation").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
