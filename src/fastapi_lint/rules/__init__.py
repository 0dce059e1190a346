"""The rule registry: one explicit list, in code order. Adding a rule is one line here."""

from __future__ import annotations

from ..rule import Rule
from .fpi001_unparsable_file import InternalError, UnparsableFile
from .fpi101_blocking_sleep import BlockingSleepInAsync
from .fpi102_blocking_http_call import BlockingHttpCallInAsync
from .fpi103_blocking_subprocess_call import BlockingSubprocessCallInAsync
from .fpi104_blocking_file_io import BlockingFileIoInAsync
from .fpi105_sync_upload_file_io import SyncUploadFileIoInAsync
from .fpi106_blocking_client_call import BlockingClientCallInAsync
from .fpi107_sync_session_call_in_async import SyncSessionCallInAsync
from .fpi108_password_hashing_in_async import PasswordHashingInAsync
from .fpi109_call_passed_to_offloader import BlockingCallPassedToOffloader
from .fpi110_transitive_blocking_call import TransitiveBlockingCallInAsync
from .fpi111_configured_blocking_call import ConfiguredBlockingCallInAsync
from .fpi201_session_created_in_path_operation import SessionCreatedInPathOperation
from .fpi202_engine_created_per_request import EngineCreatedPerRequest
from .fpi203_session_dependency_without_cleanup import SessionDependencyWithoutCleanup
from .fpi204_global_session_in_path_operation import GlobalSessionInPathOperation
from .fpi205_unawaited_async_session_call import UnawaitedAsyncSessionCall
from .fpi206_dependency_called_in_depends import DependencyCalledInDepends
from .fpi207_dependency_generator_called_by_hand import DependencyGeneratorCalledByHand
from .fpi301_secret_model_returned_unfiltered import SecretModelReturnedUnfiltered
from .fpi302_secret_field_in_response_model import SecretFieldInResponseModel
from .fpi303_request_model_echoed_in_response import RequestModelEchoedInResponse
from .fpi304_response_filtering_bypassed import ResponseFilteringBypassed
from .fpi305_secret_hidden_by_response_model_exclude import SecretHiddenByResponseModelExclude
from .fpi401_task_called_instead_of_passed import BackgroundTaskCalledInsteadOfPassed
from .fpi402_background_tasks_never_attached import BackgroundTasksNeverAttached
from .fpi403_singular_background_task_parameter import SingularBackgroundTaskParameter
from .fpi404_blocking_async_background_task import BlockingAsyncBackgroundTask
from .fpi405_request_scoped_resource_in_background_task import RequestScopedResourceInBackgroundTask
from .fpi406_add_task_after_dependency_yield import AddTaskAfterDependencyYield
from .fpi407_fire_and_forget_task import FireAndForgetTask
from .fpi408_heavy_background_task import HeavyWorkInBackgroundTask

# Imports above and list entries below are grouped by family; keep each family's lines together.

RULES: list[type[Rule]] = [
    # FPI0xx: the engine
    UnparsableFile,
    InternalError,
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

BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in RULES}
BY_NAME: dict[str, type[Rule]] = {rule.name: rule for rule in RULES}


def lookup(code_or_name: str) -> type[Rule] | None:
    return BY_CODE.get(code_or_name.upper()) or BY_NAME.get(code_or_name)
