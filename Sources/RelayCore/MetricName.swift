/// The metric names auditrelay exports (Prometheus conventions: `auditrelay_<noun>_<unit>[_total]`),
/// in one place so components and dashboards agree. Labels: `source`, `stream` (backfill progress), `sink`, `kind`, `database`.
public enum MetricName {
    // Sources
    public static let sourceEvents = "auditrelay_source_events_total"
    public static let sourcePages = "auditrelay_source_pages_total"
    public static let sourceErrors = "auditrelay_source_errors_total"
    public static let sourceRateLimitWait = "auditrelay_source_rate_limit_wait_seconds_total"
    public static let sourceLag = "auditrelay_source_lag_seconds"
    public static let sourceLastSuccess = "auditrelay_source_last_success_timestamp_seconds"
    public static let sourceGaps = "auditrelay_source_gaps_total"
    public static let sourceDuplicates = "auditrelay_source_duplicates_dropped_total"
    public static let sourceRequests = "auditrelay_source_requests_total"
    public static let sourceRateLimitWaits = "auditrelay_source_rate_limit_waits_total"
    public static let sourceThrottleWait = "auditrelay_source_throttle_wait_seconds_total"
    public static let sourceTokenRefreshes = "auditrelay_source_token_refreshes_total"
    public static let sourceGapSeconds = "auditrelay_source_gap_seconds_total"
    public static let sourceEventsFetched = "auditrelay_source_events_fetched_total"
    /// Waits before a request because our `rateShare` of the vendor's reported limit was used
    /// (counted apart from the 429s in `sourceRateLimitWaits`).
    public static let sourceRateShareWaits = "auditrelay_source_rate_share_waits_total"
    public static let sourceRateShareWait = "auditrelay_source_rate_share_wait_seconds_total"
    /// Records no behavior rule classified, by source and (a bounded set of) event names.
    public static let normalizeUnclassified = "auditrelay_normalize_unclassified_total"
    /// Field paths a source's stream showed for the first time (schema drift).
    public static let normalizeNewFields = "auditrelay_normalize_new_fields_total"
    /// Records the normalizer could not fill properly: `kind` invalid_json, missing_time, unknown_shape.
    public static let normalizeErrors = "auditrelay_normalize_errors_total"
    /// Stored page tokens or positions the vendor rejected (the stream resumed from its watermark).
    public static let sourceCursorFallbacks = "auditrelay_source_cursor_fallbacks_total"
    /// Times the vendor dropped what a stream needs (Microsoft's subscription) and it was set up again.
    public static let sourceSetupRestarts = "auditrelay_source_setup_restarts_total"
    /// A stream's backfill or catch-up: share of the window [start, now] covered (1 when caught up),
    /// by `source` and `stream`.
    public static let sourceBackfillProgress = "auditrelay_source_backfill_progress_ratio"
    /// now − the stream's time cursor, by `source` and `stream`.
    public static let sourceBackfillBehind = "auditrelay_source_backfill_behind_seconds"
    // Cluster mode (README "Cluster mode")
    /// Polled sources this replica owns now (its share of the coordination topic's partitions).
    public static let clusterOwnedSources = "auditrelay_cluster_owned_sources"
    /// Rebalance callbacks (assignments and revocations) this replica served.
    public static let clusterRebalances = "auditrelay_cluster_rebalances_total"
    /// Mirror lag: cursor commits waiting for every sink's acknowledgement or for the state topic.
    public static let clusterMirrorPending = "auditrelay_cluster_mirror_pending"
    /// State records the brokers confirmed.
    public static let clusterMirrorPublished = "auditrelay_cluster_mirror_published_total"
    /// State topic records that did not decode (skipped, logged with the key and reason).
    public static let clusterStateRecordsSkipped = "auditrelay_cluster_state_records_skipped_total"
    // Webhooks (pushed sources)
    /// Webhook requests answered, by source and HTTP status.
    public static let webhookRequests = "auditrelay_webhook_requests_total"
    /// Webhook requests refused for a missing or wrong signature (`reason` missing|invalid).
    public static let webhookSignatureFailures = "auditrelay_webhook_signature_failures_total"
    /// Webhook deliveries answered 503 because the spool stayed full.
    public static let webhookSpoolFull = "auditrelay_webhook_spool_full_total"
    // Sinks
    public static let sinkRecordsSent = "auditrelay_sink_records_sent_total"
    public static let sinkRecordsAcknowledged = "auditrelay_sink_records_acknowledged_total"
    public static let sinkRecordsFailed = "auditrelay_sink_records_failed_total"
    public static let sinkRecordsRetried = "auditrelay_sink_records_retried_total"
    public static let sinkRecordsInFlight = "auditrelay_sink_records_in_flight"
    public static let sinkLastSuccess = "auditrelay_sink_last_success_timestamp_seconds"
    /// Records in the spool the sink has not acknowledged, and the age of the oldest of them.
    public static let sinkBacklogRecords = "auditrelay_sink_backlog_records"
    public static let sinkBacklogAge = "auditrelay_sink_backlog_age_seconds"
    // Spool
    public static let spoolBytes = "auditrelay_spool_bytes"
    public static let spoolRecords = "auditrelay_spool_records"
    public static let spoolOldestUnacknowledgedAge = "auditrelay_spool_oldest_unacknowledged_age_seconds"
    public static let spoolCorruptRecords = "auditrelay_spool_corrupt_records_total"
    public static let spoolTruncatedBytes = "auditrelay_spool_truncated_bytes_total"
    public static let spoolDroppedRecords = "auditrelay_spool_dropped_records_total"
    public static let spoolWritable = "auditrelay_spool_writable"
    public static let spoolFsyncSeconds = "auditrelay_spool_fsync_seconds"
    // GeoIP
    public static let geoipLookups = "auditrelay_geoip_lookups_total"
    public static let geoipCacheHits = "auditrelay_geoip_cache_hits_total"
    public static let geoipDatabaseBuildEpoch = "auditrelay_geoip_database_build_epoch_seconds"
    public static let geoipReloads = "auditrelay_geoip_reloads_total"
}
