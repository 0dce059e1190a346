"""The rule registry: one explicit list, in code order. Adding a rule is one line here."""

from __future__ import annotations

from collections.abc import Mapping

from ..index.project import ProjectFact
from ..rule import Rule
from .blocking.fpi101_blocking_sleep import BlockingSleepInAsync
from .blocking.fpi102_blocking_http_call import BlockingHttpCallInAsync
from .blocking.fpi103_blocking_subprocess_call import BlockingSubprocessCallInAsync
from .blocking.fpi104_blocking_file_io import BlockingFileIoInAsync
from .blocking.fpi105_sync_upload_file_io import SyncUploadFileIoInAsync
from .blocking.fpi106_blocking_client_call import BlockingClientCallInAsync
from .blocking.fpi107_sync_session_call_in_async import SyncSessionCallInAsync
from .blocking.fpi108_password_hashing_in_async import PasswordHashingInAsync
from .blocking.fpi109_call_passed_to_offloader import BlockingCallPassedToOffloader
from .blocking.fpi110_transitive_blocking_call import TransitiveBlockingCallInAsync
from .blocking.fpi111_configured_blocking_call import ConfiguredBlockingCallInAsync
from .blocking.fpi112_unawaited_project_coroutine import UnawaitedProjectCoroutine
from .fpi001_unparsable_file import InternalError, UnparsableFile
from .fpi003_syntax_newer_than_target_version import SyntaxNewerThanTargetVersion
from .secrets.fpi301_secret_model_returned_unfiltered import SecretModelReturnedUnfiltered
from .secrets.fpi302_secret_field_in_response_model import SecretFieldInResponseModel
from .secrets.fpi303_request_model_echoed_in_response import RequestModelEchoedInResponse
from .secrets.fpi304_response_filtering_bypassed import ResponseFilteringBypassed
from .secrets.fpi305_secret_hidden_by_response_model_exclude import (
    SecretHiddenByResponseModelExclude,
)
from .sessions.facts import session_dependencies_fact
from .sessions.fpi201_session_created_in_path_operation import SessionCreatedInPathOperation
from .sessions.fpi202_engine_created_per_request import EngineCreatedPerRequest
from .sessions.fpi203_session_dependency_without_cleanup import SessionDependencyWithoutCleanup
from .sessions.fpi204_global_session_in_path_operation import GlobalSessionInPathOperation
from .sessions.fpi205_unawaited_async_session_call import UnawaitedAsyncSessionCall
from .sessions.fpi206_dependency_called_in_depends import DependencyCalledInDepends
from .sessions.fpi207_dependency_generator_called_by_hand import DependencyGeneratorCalledByHand
from .tasks.facts import background_task_functions, background_task_sites
from .tasks.fpi401_task_called_instead_of_passed import BackgroundTaskCalledInsteadOfPassed
from .tasks.fpi402_background_tasks_never_attached import BackgroundTasksNeverAttached
from .tasks.fpi403_singular_background_task_parameter import SingularBackgroundTaskParameter
from .tasks.fpi404_blocking_async_background_task import BlockingAsyncBackgroundTask
from .tasks.fpi405_request_scoped_resource_in_background_task import (
    RequestScopedResourceInBackgroundTask,
)
from .tasks.fpi406_add_task_after_dependency_yield import AddTaskAfterDependencyYield
from .tasks.fpi407_fire_and_forget_task import FireAndForgetTask
from .tasks.fpi408_heavy_background_task import HeavyWorkInBackgroundTask

# Imports above and list entries below are grouped by family; keep each family's lines together.

RULES: list[type[Rule]] = [
    # FPI0xx: the engine
    UnparsableFile,
    InternalError,
    SyntaxNewerThanTargetVersion,
    # FPI1xx: blocking I/O in async def
    BlockingSleepInAsync,
    BlockingHttpCallInAsync,
    BlockingSubprocessCallInAsync,
    BlockingFileIoInAsync,
    SyncUploadFileIoInAsync,
    BlockingClientCallInAsync,
    SyncSessionCallInAsync,
    PasswordHashingInAsync,
    BlockingCallPassedToOffloader,
    TransitiveBlockingCallInAsync,
    ConfiguredBlockingCallInAsync,
    UnawaitedProjectCoroutine,
    # FPI2xx: database-session dependencies
    SessionCreatedInPathOperation,
    EngineCreatedPerRequest,
    SessionDependencyWithoutCleanup,
    GlobalSessionInPathOperation,
    UnawaitedAsyncSessionCall,
    DependencyCalledInDepends,
    DependencyGeneratorCalledByHand,
    # FPI3xx: response models that leak secret fields
    SecretModelReturnedUnfiltered,
    SecretFieldInResponseModel,
    RequestModelEchoedInResponse,
    ResponseFilteringBypassed,
    SecretHiddenByResponseModelExclude,
    # FPI4xx: background tasks
    BackgroundTaskCalledInsteadOfPassed,
    BackgroundTasksNeverAttached,
    SingularBackgroundTaskParameter,
    BlockingAsyncBackgroundTask,
    RequestScopedResourceInBackgroundTask,
    AddTaskAfterDependencyYield,
    FireAndForgetTask,
    HeavyWorkInBackgroundTask,
]

# The families' project-wide facts, handed to the index the engine builds
# (`ProjectIndex(..., facts=FACTS)`); their modules import no rule and no LibCST.
FACTS: Mapping[str, ProjectFact] = {
    "session_dependencies": session_dependencies_fact,
    "background_task_functions": background_task_functions,
    "background_task_sites": background_task_sites,
}

BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in RULES}
BY_NAME: dict[str, type[Rule]] = {rule.name: rule for rule in RULES}


def lookup(code_or_name: str) -> type[Rule] | None:
    return BY_CODE.get(code_or_name.upper()) or BY_NAME.get(code_or_name)
