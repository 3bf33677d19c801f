"""``/api/v1/proposals/`` and ``/api/v1/publications/``: the policy workflow for
integrations and scripts — propose, accept-all, approve, reject, publish — through the same
services as the pages and the admin (governance.proposals, .proposals_bulk, .publication).

Errors: a refused permission or scope is a 403, a value that fails a check a 400 naming the
field, a decision on a proposal or policy changed since (or decided meanwhile) a 409.
"""

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from governance.accept_all import proposals_accept_all
from governance.api.serializers import (
    AcceptAllResultSerializer,
    AcceptAllSerializer,
    DecisionSerializer,
    PolicyProposalSerializer,
    ProposalCreateSerializer,
    PublicationBatchSerializer,
    PublicationCreateSerializer,
)
from governance.filtersets import PolicyProposalFilterSet
from governance.models import PolicyProposal, PublicationBatch
from governance.proposals import (
    ProposalConflict,
    proposal_approve,
    proposal_from_recommendation,
    proposal_reject,
)
from governance.publication import publication_create, publications_visible
from governance.selectors import location_scope
from inventory.models import PolicyRecommendation, PolicyRun
from sop_platform.api.reads import IdCursorPagination, ScopedReadViewSet, ViewPermission

_ERRORS = {
    400: OpenApiResponse(description="Errors by field name."),
    403: OpenApiResponse(description="Not your role, or not your scope."),
}
_CONFLICT = {409: OpenApiResponse(description="Changed or decided meanwhile; nothing saved.")}
_NOT_FOUND = {404: OpenApiResponse(description="No such object at your locations.")}


def _serviced(call: Callable[[], Any]) -> Any:
    """The service's answer, its refusals as the API's errors."""
    try:
        return call()
    except DjangoPermissionDenied as error:
        raise exceptions.PermissionDenied(str(error)) from error
    except DjangoValidationError as error:
        raise exceptions.ValidationError(error.message_dict) from error
    except ProposalConflict as conflict:
        raise Conflict(str(conflict)) from conflict


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _valid(serializer_class, request: Request) -> dict:
    given = serializer_class(data=request.data)
    given.is_valid(raise_exception=True)
    return given.validated_data


class PolicyProposalViewSet(mixins.CreateModelMixin, ScopedReadViewSet):
    """Proposals at the caller's locations; propose (planners, managers), accept-all, and
    approve or reject (managers, never their own)."""

    queryset = PolicyProposal.objects.select_related(
        "item", "location", "proposed_by", "decided_by"
    )
    serializer_class = PolicyProposalSerializer
    filterset_class = PolicyProposalFilterSet
    permission_classes = [ViewPermission]
    pagination_class = IdCursorPagination
    location_path = "location"
    throttle_scope = "read"
    parser_classes = [JSONParser]  # a JSON object; anything else is a 415 or a 400

    @extend_schema(
        summary="Propose a recommendation as is, or overridden",
        request=ProposalCreateSerializer,
        responses={201: PolicyProposalSerializer, **_ERRORS, **_NOT_FOUND},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        given = _valid(ProposalCreateSerializer, request)
        recommendation = self._recommendation(given["recommendation"])
        proposal = _serviced(
            lambda: proposal_from_recommendation(
                user=request.user,
                recommendation=recommendation,
                overrides=given.get("overrides"),
                justification=given.get("justification", ""),
            )
        )
        data = PolicyProposalSerializer(proposal).data
        return Response(data, status=status.HTTP_201_CREATED)

    def _recommendation(self, pk: int) -> PolicyRecommendation:
        """The recommendation, if in the caller's scope (the same answer as a missing one)."""
        scope = location_scope(user=self.request.user)
        found = scope.restrict(PolicyRecommendation.objects.filter(pk=pk)).first()
        if found is None:
            raise exceptions.NotFound(f"No recommendation #{pk} at your locations.")
        return found

    @extend_schema(
        summary="Propose every recommendation of a run within its class's tolerance",
        request=AcceptAllSerializer,
        responses={200: AcceptAllResultSerializer, **_ERRORS, **_NOT_FOUND},
    )
    @action(detail=False, methods=["post"], url_path="accept-all")
    def accept_all(self, request: Request) -> Response:
        given = _valid(AcceptAllSerializer, request)
        run = PolicyRun.objects.filter(pk=given["run"]).first()
        if run is None:
            raise exceptions.NotFound(f"No run #{given['run']}.")
        result = _serviced(lambda: proposals_accept_all(user=request.user, run=run))
        return Response(asdict(result))

    @extend_schema(
        summary="Approve: the policy takes the proposal's values, one version up",
        request=DecisionSerializer,
        responses={200: PolicyProposalSerializer, **_ERRORS, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, proposal_approve)

    @extend_schema(
        summary="Reject, with a comment",
        request=DecisionSerializer,
        responses={200: PolicyProposalSerializer, **_ERRORS, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, proposal_reject)

    def _decide(self, request: Request, decide) -> Response:
        proposal = self.get_object()
        given = _valid(DecisionSerializer, request)
        _serviced(
            lambda: decide(
                proposal=proposal,
                user=request.user,
                comment=given.get("comment", ""),
                version=given.get("version"),
            )
        )
        proposal.refresh_from_db()
        return Response(PolicyProposalSerializer(proposal).data)


class PublicationBatchViewSet(mixins.CreateModelMixin, ScopedReadViewSet):
    """Publications — every one to a whole-network user, one's own otherwise (a batch's
    counts span locations); publish what awaits in your scope (managers)."""

    queryset = PublicationBatch.objects.select_related("created_by")
    serializer_class = PublicationBatchSerializer
    permission_classes = [ViewPermission]
    pagination_class = IdCursorPagination
    throttle_scope = "read"
    parser_classes = [JSONParser]

    def get_queryset(self):
        return publications_visible(super().get_queryset(), user=self.request.user)

    @extend_schema(
        summary="Publish the approved policies awaiting publication in your scope",
        request=PublicationCreateSerializer,
        responses={201: PublicationBatchSerializer, **_ERRORS},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        given = _valid(PublicationCreateSerializer, request)
        batch = _serviced(lambda: publication_create(user=request.user, **given))
        return Response(PublicationBatchSerializer(batch).data, status=status.HTTP_201_CREATED)
