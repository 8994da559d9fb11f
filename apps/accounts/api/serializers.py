from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer

__all__ = ["TokenObtainSerializer", "TokenRefreshSerializer"]


class TokenObtainSerializer(TokenObtainPairSerializer):
    pass
