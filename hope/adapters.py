from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Nobody signs themselves up: people join through a coordinator's invitation."""

    def is_open_for_signup(self, request) -> bool:
        return False
