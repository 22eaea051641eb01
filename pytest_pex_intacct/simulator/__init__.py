"""A loopback stand-in for Sage Intacct's XML Web Services gateway (``xmlgw.phtml``, dtdversion 3.0).

Standalone (lxml and the standard library only): the test suite, demo recordings and benchmarks run
the product against it. Start one with ``SimulatorServer("ready")`` or
``python -m pytest_pex_intacct.simulator ready``.
"""

from . import connection_faults, fault_wire, faults
from .company_state import Attachment
from .fault_wire import Fault
from .gateway import Gateway
from .request_log import RequestLog, RequestRecord
from .request_parsing import load_schema
from .responses import GatewayError, GatewayResponse
from .scenario import Scenario, ScenarioError
from .scenario_files import load_scenario, raw_scenario, scenario_names
from .server import GATEWAY_PATH, SimulatorServer

__all__ = [
    "GATEWAY_PATH",
    "Attachment",
    "Fault",
    "Gateway",
    "GatewayError",
    "GatewayResponse",
    "RequestLog",
    "RequestRecord",
    "Scenario",
    "ScenarioError",
    "SimulatorServer",
    "connection_faults",
    "fault_wire",
    "faults",
    "load_scenario",
    "load_schema",
    "raw_scenario",
    "scenario_names",
]
