/**
 * The properties each Fluent Bit plugin the platform emits accepts, and their
 * value kinds. Names come from the plugins' configuration maps in the Fluent
 * Bit sources and manuals (3.x); a property missing here is refused, so a new
 * one is added only after checking it there.
 */

/** What a property value must look like. */
export type ValueKind =
  | 'string'
  | 'bool'
  | 'int'
  | 'port'
  /** A unit size: `512k`, `8M`, `1G`, or bytes. */
  | 'size'
  /** A duration: seconds, or with `s`, `m`, `h`, `d`. */
  | 'time'
  /** A comma-separated list. */
  | 'list'
  /** May be given several times (a YAML list), each `KEY VALUE` or `KEY`. */
  | 'multi'
  | { readonly oneOf: readonly string[] };

/** Properties of one plugin: lowercase name → kind. */
export type PropertyTable = Readonly<Record<string, ValueKind>>;

/** A plugin the validator knows. */
export interface PluginSpec {
  readonly properties: PropertyTable;
  /** Properties that must be set. */
  readonly required?: readonly string[];
  /** Prefixes of passed-through properties (`rdkafka.`), with the pattern of the rest of the name. */
  readonly prefixes?: Readonly<Record<string, RegExp>>;
}

const BOOL: ValueKind = 'bool';

/** Properties every input accepts (`flb_input_set_property`). */
export const COMMON_INPUT: PropertyTable = {
  tag: 'string',
  log_level: { oneOf: ['off', 'error', 'warn', 'info', 'debug', 'trace'] },
  routable: BOOL,
  alias: 'string',
  mem_buf_limit: 'size',
  listen: 'string',
  host: 'string',
  port: 'port',
  ipv6: BOOL,
  'storage.type': { oneOf: ['memory', 'filesystem'] },
  threaded: BOOL,
  'storage.pause_on_chunks_overlimit': BOOL,
};

/** Properties every filter accepts. */
export const COMMON_FILTER: PropertyTable = {
  match: 'string',
  match_regex: 'string',
  alias: 'string',
  log_level: { oneOf: ['off', 'error', 'warn', 'info', 'debug', 'trace'] },
};

/** Properties every output accepts (`flb_output_set_property`), besides `net.*`. */
export const COMMON_OUTPUT: PropertyTable = {
  match: 'string',
  match_regex: 'string',
  alias: 'string',
  log_level: { oneOf: ['off', 'error', 'warn', 'info', 'debug', 'trace'] },
  log_suppress_interval: 'time',
  host: 'string',
  port: 'port',
  ipv6: BOOL,
  retry_limit: 'string',
  tls: BOOL,
  'tls.verify': BOOL,
  'tls.verify_hostname': BOOL,
  'tls.debug': 'int',
  'tls.vhost': 'string',
  'tls.ca_path': 'string',
  'tls.ca_file': 'string',
  'tls.crt_file': 'string',
  'tls.key_file': 'string',
  'tls.key_passwd': 'string',
  'tls.min_version': 'string',
  'tls.max_version': 'string',
  'tls.ciphers': 'string',
  'storage.total_limit_size': 'size',
  workers: 'int',
};

/** Built-in multiline parsers, usable in `multiline.parser` without a definition. */
export const BUILTIN_MULTILINE_PARSERS: ReadonlySet<string> = new Set([
  'docker',
  'cri',
  'go',
  'python',
  'java',
  'ruby',
]);

/** Inputs. */
export const INPUTS: Readonly<Record<string, PluginSpec>> = {
  tail: {
    required: ['path'],
    properties: {
      path: 'list',
      exclude_path: 'list',
      key: 'string',
      read_from_head: BOOL,
      refresh_interval: 'int',
      watcher_interval: 'time',
      rotate_wait: 'time',
      docker_mode: BOOL,
      docker_mode_flush: 'int',
      docker_mode_parser: 'string',
      path_key: 'string',
      offset_key: 'string',
      ignore_older: 'time',
      buffer_chunk_size: 'size',
      buffer_max_size: 'size',
      skip_long_lines: BOOL,
      skip_empty_lines: BOOL,
      exit_on_eof: BOOL,
      inotify_watcher: BOOL,
      parser: 'string',
      tag_regex: 'string',
      db: 'string',
      'db.sync': { oneOf: ['extra', 'full', 'normal', 'off'] },
      'db.locking': BOOL,
      'db.journal_mode': { oneOf: ['DELETE', 'TRUNCATE', 'PERSIST', 'MEMORY', 'WAL', 'OFF'] },
      'multiline.parser': 'list',
    },
  },
  forward: {
    properties: {
      unix_path: 'string',
      unix_perm: 'string',
      buffer_max_size: 'size',
      buffer_chunk_size: 'size',
      tag_prefix: 'string',
      shared_key: 'string',
      self_hostname: 'string',
    },
  },
  kubernetes_events: {
    properties: {
      kube_url: 'string',
      interval_sec: 'int',
      interval_nsec: 'int',
      'tls.debug': 'int',
      'tls.verify': BOOL,
      'tls.vhost': 'string',
      kube_ca_file: 'string',
      kube_ca_path: 'string',
      kube_token_file: 'string',
      kube_token_ttl: 'time',
      kube_request_limit: 'int',
      kube_retention_time: 'time',
      kube_namespace: 'string',
      db: 'string',
      'db.sync': { oneOf: ['extra', 'full', 'normal', 'off'] },
    },
  },
};

/** Filters. */
export const FILTERS: Readonly<Record<string, PluginSpec>> = {
  modify: {
    properties: {
      set: 'multi',
      add: 'multi',
      remove: 'multi',
      remove_wildcard: 'multi',
      remove_regex: 'multi',
      rename: 'multi',
      hard_rename: 'multi',
      copy: 'multi',
      hard_copy: 'multi',
      condition: 'multi',
    },
  },
  record_modifier: {
    properties: {
      record: 'multi',
      remove_key: 'multi',
      allowlist_key: 'multi',
      whitelist_key: 'multi',
      uuid_key: 'string',
    },
  },
  nest: {
    required: ['operation'],
    properties: {
      operation: { oneOf: ['nest', 'lift'] },
      wildcard: 'multi',
      nest_under: 'string',
      nested_under: 'string',
      add_prefix: 'string',
      remove_prefix: 'string',
    },
  },
  kubernetes: {
    properties: {
      buffer_size: 'size',
      kube_url: 'string',
      kube_ca_file: 'string',
      kube_ca_path: 'string',
      kube_token_file: 'string',
      kube_token_ttl: 'time',
      kube_tag_prefix: 'string',
      merge_log: BOOL,
      merge_log_key: 'string',
      merge_log_trim: BOOL,
      merge_parser: 'string',
      keep_log: BOOL,
      'tls.debug': 'int',
      'tls.verify': BOOL,
      use_journal: BOOL,
      cache_use_docker_id: BOOL,
      regex_parser: 'string',
      'k8s-logging.parser': BOOL,
      'k8s-logging.exclude': BOOL,
      labels: BOOL,
      annotations: BOOL,
      kube_meta_preload_cache_dir: 'string',
      dummy_meta: BOOL,
      dns_retries: 'int',
      dns_wait_time: 'int',
      use_kubelet: BOOL,
      kubelet_port: 'port',
      kube_meta_cache_ttl: 'time',
      namespace_labels: BOOL,
      namespace_annotations: BOOL,
      owner_references: BOOL,
    },
  },
};

/** Outputs. */
export const OUTPUTS: Readonly<Record<string, PluginSpec>> = {
  stdout: {
    properties: {
      format: { oneOf: ['msgpack', 'json', 'json_lines', 'json_stream'] },
      json_date_key: 'string',
      json_date_format: { oneOf: ['double', 'iso8601', 'epoch', 'java_sql_timestamp'] },
    },
  },
  forward: {
    properties: {
      time_as_integer: BOOL,
      upstream: 'string',
      unix_path: 'string',
      tag: 'string',
      send_options: BOOL,
      require_ack_response: BOOL,
      compress: { oneOf: ['gzip'] },
      shared_key: 'string',
      empty_shared_key: BOOL,
      username: 'string',
      password: 'string',
      self_hostname: 'string',
    },
  },
  es: {
    properties: {
      aws_auth: BOOL,
      aws_external_id: 'string',
      aws_profile: 'string',
      aws_region: 'string',
      aws_role_arn: 'string',
      aws_service_name: 'string',
      aws_sts_endpoint: 'string',
      buffer_size: 'string',
      cloud_auth: 'string',
      cloud_id: 'string',
      compress: { oneOf: ['gzip'] },
      current_time_index: BOOL,
      generate_id: BOOL,
      http_api_key: 'string',
      http_passwd: 'string',
      http_user: 'string',
      id_key: 'string',
      include_tag_key: BOOL,
      index: 'string',
      logstash_dateformat: 'string',
      logstash_format: BOOL,
      logstash_prefix: 'string',
      logstash_prefix_key: 'string',
      logstash_prefix_separator: 'string',
      path: 'string',
      pipeline: 'string',
      replace_dots: BOOL,
      suppress_type_name: BOOL,
      tag_key: 'string',
      target_index: 'string',
      time_key: 'string',
      time_key_format: 'string',
      time_key_nanos: BOOL,
      trace_error: BOOL,
      trace_output: BOOL,
      type: 'string',
      write_operation: { oneOf: ['create', 'index', 'update', 'upsert'] },
    },
  },
  kafka: {
    required: ['brokers'],
    properties: {
      format: { oneOf: ['json', 'msgpack', 'gelf', 'avro', 'raw'] },
      message_key: 'string',
      message_key_field: 'string',
      timestamp_key: 'string',
      timestamp_format: { oneOf: ['double', 'iso8601', 'iso8601_ns'] },
      brokers: 'list',
      topics: 'list',
      topic_key: 'string',
      dynamic_topic: BOOL,
      queue_full_retries: 'int',
    },
    prefixes: { 'rdkafka.': /^[a-z]+(\.[a-z]+)*$/ },
  },
  loki: {
    properties: {
      uri: 'string',
      tenant_id: 'string',
      tenant_id_key: 'string',
      labels: 'list',
      label_keys: 'list',
      label_map_path: 'string',
      remove_keys: 'list',
      drop_single_key: BOOL,
      line_format: { oneOf: ['json', 'key_value'] },
      auto_kubernetes_labels: BOOL,
      http_user: 'string',
      http_passwd: 'string',
      bearer_token: 'string',
    },
  },
};

/** Keys of the `service` section. */
export const SERVICE: PropertyTable = {
  flush: 'string',
  grace: 'int',
  daemon: BOOL,
  'dns.mode': { oneOf: ['UDP', 'TCP'] },
  'dns.resolver': { oneOf: ['LEGACY', 'ASYNC'] },
  'dns.prefer_ipv4': BOOL,
  log_file: 'string',
  log_level: { oneOf: ['off', 'error', 'warn', 'info', 'debug', 'trace'] },
  http_server: BOOL,
  http_listen: 'string',
  http_port: 'port',
  health_check: BOOL,
  hc_errors_count: 'int',
  hc_retry_failure_count: 'int',
  hc_period: 'int',
  coro_stack_size: 'int',
  hot_reload: BOOL,
  parsers_file: 'string',
  plugins_file: 'string',
  streams_file: 'string',
  'scheduler.base': 'int',
  'scheduler.cap': 'int',
  'storage.path': 'string',
  'storage.sync': { oneOf: ['normal', 'full'] },
  'storage.checksum': BOOL,
  'storage.max_chunks_up': 'int',
  'storage.backlog.mem_limit': 'size',
  'storage.metrics': BOOL,
  'storage.delete_irrecoverable_chunks': BOOL,
  multiline_buffer_limit: 'size',
};

/** Arity of the `modify` filter's rules: how many words follow the rule name. */
export const MODIFY_ARITY: Readonly<Record<string, number>> = {
  set: 2,
  add: 2,
  remove: 1,
  remove_wildcard: 1,
  remove_regex: 1,
  rename: 2,
  hard_rename: 2,
  copy: 2,
  hard_copy: 2,
};
