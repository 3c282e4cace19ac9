/**
 * Attribute keys, one constant each (STYLE rule 11). GenAI names follow the OpenTelemetry GenAI
 * semantic conventions (experimental, so copied here rather than imported); OpenInference names
 * follow its span conventions; the rest are this plugin's, kept from the established plugin.
 */

// OpenTelemetry GenAI
export const GEN_AI_OPERATION_NAME = "gen_ai.operation.name";
export const GEN_AI_PROVIDER_NAME = "gen_ai.provider.name";
export const GEN_AI_SYSTEM = "gen_ai.system";
export const GEN_AI_REQUEST_MODEL = "gen_ai.request.model";
export const GEN_AI_RESPONSE_MODEL = "gen_ai.response.model";
export const GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons";
export const GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens";
export const GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
export const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens";
export const GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = "gen_ai.usage.cache_creation.input_tokens";
export const GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS = "gen_ai.usage.cache_write.input_tokens";
export const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens";
/** Not (yet) in the conventions; Langfuse reads it as an observation's total cost. */
export const GEN_AI_USAGE_COST = "gen_ai.usage.cost";
export const GEN_AI_RESPONSE_ID = "gen_ai.response.id";
export const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk";
export const GEN_AI_CONVERSATION_ID = "gen_ai.conversation.id";
/** Not (yet) in the GenAI conventions: the call summarizes the conversation to compact it. */
export const GEN_AI_CONVERSATION_COMPACTED = "gen_ai.conversation.compacted";
export const GEN_AI_AGENT_NAME = "gen_ai.agent.name";
export const GEN_AI_TOOL_NAME = "gen_ai.tool.name";
export const GEN_AI_TOOL_CALL_ID = "gen_ai.tool.call.id";
/** The prompt and the reply as structured messages (JSON), on an agent invocation. */
export const GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages";
export const GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages";
export const GEN_AI_TOKEN_TYPE = "gen_ai.token.type";
export const ERROR_TYPE = "error.type";
export const HTTP_RESPONSE_STATUS_CODE = "http.response.status_code";

// OpenInference
export const OPENINFERENCE_SPAN_KIND = "openinference.span.kind";
export const INPUT_VALUE = "input.value";
export const OUTPUT_VALUE = "output.value";
export const LLM_MODEL_NAME = "llm.model_name";
export const LLM_PROVIDER = "llm.provider";
export const LLM_TOKEN_COUNT_PROMPT = "llm.token_count.prompt";
export const LLM_TOKEN_COUNT_COMPLETION = "llm.token_count.completion";
export const LLM_TOKEN_COUNT_TOTAL = "llm.token_count.total";
export const LLM_TOKEN_COUNT_CACHE_READ = "llm.token_count.prompt_details.cache_read";
export const LLM_TOKEN_COUNT_CACHE_WRITE = "llm.token_count.prompt_details.cache_write";
export const LLM_TOKEN_COUNT_REASONING = "llm.token_count.completion_details.reasoning";
export const LLM_COST_TOTAL = "llm.cost.total";
export const TOOL_NAME = "tool.name";
export const SESSION_ID = "session.id";

// Langfuse
/** Langfuse's own session key; it wins over `session.id` when a trace's spans disagree. */
export const LANGFUSE_SESSION_ID = "langfuse.session.id";

// opencode-otel
export const AGENT_NAME = "agent.name";
export const AGENT_TYPE = "agent.type";
export const SESSION_PARENT_ID = "session.parent_id";
/**
 * The session's title as opencode shows it: on OTLP only with prompt capture, always in the
 * local store (its exporter adds it), where reports and the viewer show it.
 */
export const SESSION_TITLE = "session.title";
export const SESSION_RESUMED = "session.resumed";
export const SESSION_END_REASON = "session.end_reason";
export const SESSION_TOTAL_TOKENS = "session.total_tokens";
export const SESSION_TOTAL_INPUT_TOKENS = "session.total_input_tokens";
export const SESSION_TOTAL_OUTPUT_TOKENS = "session.total_output_tokens";
export const SESSION_TOTAL_COST_USD = "session.total_cost_usd";
export const SESSION_TOTAL_MESSAGES = "session.total_messages";
export const SESSION_TOTAL_TURNS = "session.total_turns";
export const SESSION_TOTAL_ERRORS = "session.total_errors";
export const SESSION_LINES_ADDED = "session.lines_added";
export const SESSION_LINES_REMOVED = "session.lines_removed";
export const TURN_INDEX = "turn.index";
export const TURN_PROMPT_LENGTH = "turn.prompt_length";
export const TURN_TOTAL_TOKENS = "turn.total_tokens";
export const TURN_TOTAL_COST_USD = "turn.total_cost_usd";
export const TURN_LLM_CALLS = "turn.llm_calls";
export const TURN_TOOL_CALLS = "turn.tool_calls";
export const TURN_LINES_ADDED = "turn.lines_added";
export const TURN_LINES_REMOVED = "turn.lines_removed";
export const COMPACTION_AUTO = "compaction.auto";
export const COMPACTION_TOKENS_BEFORE = "compaction.tokens_before";
export const COMPACTION_TOKENS_AFTER = "compaction.tokens_after";
export const PROMPT_ID = "prompt.id";
export const LLM_RETRIES = "llm.retries";
export const LLM_OUTPUT_LENGTH = "llm.output_length";
export const TOOL_SUCCESS = "tool.success";
export const TOOL_RESULT_SIZE = "tool.result_size";
export const TOOL_EXIT_CODE = "tool.exit_code";
export const TOOL_ERROR = "tool.error";
export const TOOL_CHILD_SESSION_ID = "tool.child_session_id";
/** What a span link points at: `previous_turn`, `session`, `session_start`, `task`. */
export const LINK_TYPE = "link.type";

// Metric and log attributes shared with Claude Code's monitoring
export const TYPE = "type";
export const MODEL = "model";
export const PROVIDER = "provider";
export const SUCCESS = "success";
export const EVENT_NAME = "event.name";
export const EVENT_SEQUENCE = "event.sequence";
export const EVENT_TIMESTAMP = "event.timestamp";
export const QUERY_SOURCE = "query_source";
export const START_TYPE = "start_type";
export const TOOL_NAME_ATTR = "tool_name";
export const DECISION = "decision";
export const SOURCE = "source";
export const LANGUAGE = "language";
export const USER_ID = "user.id";
export const TRIGGER = "trigger";
