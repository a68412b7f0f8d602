/**
 * Resilience patterns: named exports only (no `export *`), so the public surface is a reviewable diff.
 * Each builder's doc comment names the library and version whose semantics it follows.
 */
export { CallContext, ErrorKinds, newCallContext, okOutcome, errorOutcome, rejection, withLatency, applyPolicy } from './call.ts';
export type { Call, Done, Outcome, Policy } from './call.ts';
export { PolicyEnv, ENV_OPTION_NAMES } from './env.ts';
export type { PolicyEnvOptions } from './env.ts';

export { timeLimiter, deadline } from './timeout.ts';
export type { TimeLimiter, TimeLimiterOptions, DeadlineOptions } from './timeout.ts';
export { constantBackoff, exponentialBackoff, grpcBackoff, envoyBackoff, awsStandardBackoff, JITTERS } from './backoff.ts';
export type { Backoff, Jitter, ExponentialBackoffOptions, GrpcBackoffOptions, EnvoyBackoffOptions } from './backoff.ts';
export { retry, resilience4jRetry, grpcRetry, envoyRetry, awsStandardRetry, GRPC_MAX_ATTEMPTS_CAP, ATTEMPTS_LIMIT } from './retry.ts';
export type { RetryOptions, RetryPolicy, GrpcRetryOptions, EnvoyRetryOptions, AwsStandardRetryOptions } from './retry.ts';
export { grpcRetryThrottling, envoyRetryBudget, envoyMaxRetries, awsRetryQuota, GrpcRetryThrottling, EnvoyRetryBudget, AwsRetryQuota } from './retry-budget.ts';
export type { RetryBudget } from './retry-budget.ts';
export { hedging } from './hedging.ts';
export type { HedgingOptions, HedgingPolicy } from './hedging.ts';

export { circuitBreaker, circuitBreakerConfig, BREAKER_STATE_ORDER } from './circuit-breaker.ts';
export type { CircuitBreaker, CircuitBreakerOptions, CircuitBreakerConfig, BreakerState, WindowSnapshot } from './circuit-breaker.ts';
export { opossumBreaker, hystrixBreaker, pollyBreaker } from './library-breakers.ts';
export type { LibraryBreaker } from './library-breakers.ts';
export { bulkhead } from './bulkhead.ts';
export type { Bulkhead, BulkheadOptions } from './bulkhead.ts';
export { rateLimiter } from './rate-limiter.ts';
export type { RateLimiter, RateLimiterOptions } from './rate-limiter.ts';
export { tokenBucket } from './token-bucket.ts';
export { shuffleSharding, plainSharding, perTenantRateLimit, fairQueue } from './tenancy.ts';
export type { ShardingOptions, ShardPicker, PerTenantRateLimitOptions, FairQueueOptions } from './tenancy.ts';
export type { TokenBucket, TokenBucketOptions } from './token-bucket.ts';
export { loadShedder } from './load-shedding.ts';
export type { LoadShedder, LoadShedderOptions } from './load-shedding.ts';
export { adaptiveThrottling } from './adaptive-throttling.ts';
export type { AdaptiveThrottling, AdaptiveThrottlingOptions } from './adaptive-throttling.ts';
export { aimdLimit, gradient2Limit, concurrencyLimiter } from './adaptive-concurrency.ts';
export type { ConcurrencyLimit, ConcurrencyLimiter, ConcurrencyLimiterOptions } from './adaptive-concurrency.ts';

export { loadBalancer, LoadBalancer, Host, hash32, LB_POLICIES } from './load-balancer.ts';
export type { Endpoint, HealthProbe, LbPolicy, LoadBalancerOptions, HealthCheckOptions, OutlierDetectionOptions } from './load-balancer.ts';
export { heartbeatFailureDetector, phiAccrualFailureDetector, failureDetectorMonitor, akkaPhi } from './failure-detector.ts';
export type { FailureDetector, FailureDetectorMonitor, FailureDetectorMonitorOptions, PhiAccrualOptions } from './failure-detector.ts';

export { fallback, serveStaleCache } from './degradation.ts';
export type { Fallback, FallbackOptions, ServeStaleCache, ServeStaleCacheOptions } from './degradation.ts';
export { featureFlags, FeatureFlags, featureFlagFaultKind } from './feature-flags.ts';
export type { FeatureFlagsOptions, FlagConfig, FlagEvaluation, EvaluationReason } from './feature-flags.ts';
export { replicaSet, ReplicaSet, horizontalPodAutoscaler, HorizontalPodAutoscaler, targetTracking, TargetTracking } from './autoscaler.ts';
export type { ScalableTarget, ReplicaSetOptions, HpaOptions, HpaScalingPolicy, TargetTrackingOptions } from './autoscaler.ts';

export { wrap, pipeline } from './compose.ts';
export type { Pipeline, PipelineOptions } from './compose.ts';

export { primaryBackup, PrimaryBackup } from './failover.ts';
export type { PrimaryBackupOptions, PrimaryBackupConfig, ReplicationMode, ConflictResolution, ReplicaRole, VersionedValue } from './failover.ts';
export { quorumKv, QuorumKv, quorumVersionNewer } from './quorum-kv.ts';
export type { QuorumKvOptions, QuorumKvConfig, QuorumValue, QuorumVersion } from './quorum-kv.ts';
export { leaderLease, LeaderLease } from './lease.ts';
export type { LeaderLeaseOptions, LeaderLeaseConfig, LeaseClock, LeaseRole } from './lease.ts';
export type { KvHistorySink, KvResult, KvDone } from './replication.ts';
export { globalLoadBalancer, GlobalLoadBalancer } from './global-lb.ts';
export type { GlobalLoadBalancerOptions } from './global-lb.ts';
