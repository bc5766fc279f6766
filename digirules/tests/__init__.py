from . import test_opportunity_status
from . import test_pipeline_rules
from . import test_rule_config
from . import test_run_log
from . import test_performance
from . import test_document_triggers
from . import test_portal_signature
from . import test_agreement
