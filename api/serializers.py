"""Request bodies (validated here) and response shapes (for the OpenAPI schema) of the data-sharing API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from entities.identifiers import looks_like_id_number, looks_like_uscc, normalize_id_number, validate_uscc
from entities.selectors import legacy_uscc_allowed

MAX_SCREENING_QUERIES = 1000


class StatusRequestSerializer(serializers.Serializer):
    uscc = serializers.CharField(required=False, max_length=32, help_text=_("An organisation's credit code."))
    identity_number = serializers.CharField(
        required=False, max_length=32, write_only=True,
        help_text=_("A person's resident identity number: only ever in this body, matched by its keyed hash."),
    )  # fmt: skip

    def validate_uscc(self, value):
        return validate_uscc(value, allowed=legacy_uscc_allowed)

    def validate_identity_number(self, value):
        # The message never repeats the number (nor a part of it).
        if not looks_like_id_number(value):
            raise serializers.ValidationError(
                _("This is not a resident identity number (18 characters, the last a correct check character)."),
                code="identity_number_invalid",
            )
        return normalize_id_number(value)

    def validate(self, attrs):
        if ("uscc" in attrs) == ("identity_number" in attrs):
            raise serializers.ValidationError(_("Send exactly one of uscc and identity_number."), code="one_identifier")
        return attrs


class ScreeningRequestSerializer(serializers.Serializer):
    queries = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=False),
        min_length=1,
        max_length=MAX_SCREENING_QUERIES,
        help_text=_("Up to 1,000 names or credit codes; answers refer to them by their index."),
    )

    def validate_queries(self, value):
        refused = [
            index for index, query in enumerate(value) if looks_like_id_number(query) and not looks_like_uscc(query)
        ]
        if refused:
            raise serializers.ValidationError(
                _("Screen persons by name; look an identity number up with POST /api/v1/status (queries %(indexes)s).")
                % {"indexes": ", ".join(str(i) for i in refused[:10])},
                code="identity_number_in_screening",
            )
        return value


class SanctionsQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(
        required=False, max_length=200, help_text=_("The next_cursor of the previous page, to page on.")
    )
    updated_since = serializers.DateTimeField(
        required=False,
        help_text=_("Only changes at or after this moment, removals (tombstones) included: an incremental sync."),
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=100)


# -- response shapes (the schema) ------------------------------------------------------------------------------------


class EntitySerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    identifier = serializers.CharField(help_text=_("The credit code, or the identity number masked."))


class RegisterEntrySerializer(serializers.Serializer):
    id = serializers.CharField(help_text=_("The register record's public identifier."))
    updated_at = serializers.DateTimeField()
    entry = serializers.DictField(help_text=_("The public register's allow-listed content."))


class StatusResponseSerializer(serializers.Serializer):
    found = serializers.BooleanField(
        help_text=_(
            "Whether the entity is on the public register today, or (with the cases:read scope) has a case within "
            "the client's scope. Otherwise false, whether or not the entity is registered."
        )
    )
    entity = EntitySerializer(allow_null=True, help_text=_("Null when found is false."))
    listed = serializers.BooleanField(help_text=_("Whether the entity is on the public register today."))
    entries = RegisterEntrySerializer(many=True)


class SyncEntrySerializer(serializers.Serializer):
    id = serializers.CharField(help_text=_("The register record's public identifier."))
    updated_at = serializers.DateTimeField(
        help_text=_("When the record last changed, or, for a removed one, when it left the register.")
    )
    removed = serializers.BooleanField(
        help_text=_("True for a record no longer on the register (a tombstone): remove it from your copy.")
    )
    entry = serializers.DictField(
        allow_null=True, help_text=_("The public register's allow-listed content; null when removed.")
    )


class SanctionsPageSerializer(serializers.Serializer):
    results = SyncEntrySerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class CaseSummarySerializer(serializers.Serializer):
    number = serializers.CharField()
    department = serializers.CharField()
    state = serializers.CharField()
    entity = EntitySerializer()
    conduct = serializers.DictField(allow_null=True)
    severity = serializers.CharField(allow_null=True)
    legal_document = serializers.DictField(allow_null=True)
    measures = serializers.ListField(child=serializers.DictField())
    decided_on = serializers.DateField(allow_null=True)
    record_ends_on = serializers.DateField(allow_null=True)
    under_objection = serializers.BooleanField()
    under_legal_challenge = serializers.BooleanField()


class CandidateSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    identifier = serializers.CharField()
    score = serializers.FloatField()


class ScreeningResultSerializer(serializers.Serializer):
    query_index = serializers.IntegerField()
    candidates = CandidateSerializer(many=True)


class ScreeningResponseSerializer(serializers.Serializer):
    results = ScreeningResultSerializer(many=True)


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.ListField(child=serializers.DictField(), required=False)
