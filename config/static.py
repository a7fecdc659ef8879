"""Static files with hashed names once `collectstatic` has run, and as they are before."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFiles(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, hashed storage. Without a manifest (collectstatic not run yet:
    development, the tests) a name is served as it is, from the apps' own static folders
    (WHITENOISE_USE_FINDERS), instead of every page failing on its first stylesheet."""

    manifest_strict = False

    def stored_name(self, name):
        if not self.hashed_files:
            return name
        return super().stored_name(name)
