// The public API, named symbol by symbol.

// The stack and its props.
export { LokiStack, PINNED_ADDRESSES, pinnedAddress } from "./loki-stack";
export { DEFAULT_REGION, resolveLokiStackProps, SECRET_PENDING, withTenantSecrets } from "./loki-stack-props";
export type {
  AccessSettings,
  FluentBitSettings,
  GrafanaSettings,
  KubeconfigAccess,
  LokiStackProps,
  LokiStackSettings,
  MinioReleaseStackStorage,
  MonitoringSettings,
  S3StackStorage,
  S3StateBackend,
  StorageMode,
  TenantSecrets,
  TenantSettings,
} from "./loki-stack-props";

// Shared building blocks.
export { ConfigError } from "./core/validation";
export { canonicalQuantity, lokiByteSize, quantityBytes } from "./core/quantity";
export { prometheusScrapeAnnotations } from "./core/kubernetes";
export type { IGrantee, PolicyDocument, PolicyStatement } from "./core/iam-policy";
export { NAMESPACE_NAME_LABEL } from "./core/kubernetes";
export type { PodPeer } from "./core/kubernetes";
export { escapeTerraformTemplates } from "./core/terraform";

// Tenants and access.
export { checkTenantName, DEFAULT_PLATFORM_TENANT, resolveTenants } from "./access/tenants";
export type { ResolvedCredentials, ResolvedTenant, ResolvedTenants, TenantAccessProps, TenantCredentialsProps, TenantsProps } from "./access/tenants";
export { BCRYPT_HASH, CREDENTIALS_README_SECTION, GENERATED_PASSWORD_LENGTH, namedSecretCheck, SECRET_KEYS, TenantCredentials } from "./access/credentials";
export type { AccessPrecondition, TenantSecret } from "./access/credentials";
export { enforcementCheck, NETWORK_POLICIES_README_SECTION, PolicyEnforcementCheck, resolveNetworkPolicies, VPC_CNI, VPC_CNI_CONFIG } from "./access/network-policies";
export type { NetworkPoliciesProps, PolicyEnforcement, ResolvedNetworkPolicies } from "./access/network-policies";

// Storage.
export { LogBucket } from "./storage/log-bucket";
export type { LogBucketProps } from "./storage/log-bucket";
export { BUCKET_READ_ACTIONS, KMS_ACTIONS, LogBuckets, OBJECT_READ_WRITE_ACTIONS, resolveLogBucketsProps } from "./storage/log-buckets";
export type { BucketEncryption, LogBucketsProps, ResolvedLogBucketsProps } from "./storage/log-buckets";
export { MINIO_CHART, MINIO_CREDENTIAL_KEYS, MINIO_STORE_BUCKETS, minioEndpoint, minioFullname, MinioStore, minioValues } from "./storage/minio-store";
export type { MinioStoreProps, MinioValues } from "./storage/minio-store";
export { defaultNoncurrentVersionExpirationDays, NONCURRENT_SHARE_OF_RETENTION, versioningStorageMultiplier } from "./storage/versioning-cost";

// Volumes.
export { EBS_CSI_README_SECTION, EBS_PROVISIONERS, LokiStorageClass, lokiStorageClassName, resolveLokiStorageClassProps } from "./volumes/storage-class";
export type { EbsProvisioner, LokiStorageClassProps, ResolvedLokiStorageClassProps } from "./volumes/storage-class";

// Identity.
export { EksCluster } from "./identity/eks-cluster";
export type { EksClusterProps } from "./identity/eks-cluster";
export { LokiRole, resolveLokiRoleProps } from "./identity/loki-role";
export type { IdentityMode, LokiRoleProps, ResolvedLokiRoleProps } from "./identity/loki-role";

// Loki.
export {
  CANARY_HTTP_PORT,
  chartFullname,
  COMPONENT_SUFFIXES,
  DEFAULT_CHART_VERSION,
  LOKI_CHART_VERSIONS,
  LOKI_COMPONENTS,
  LOKI_GATEWAY_PORT,
  MEMCACHED_EXPORTER_PORT,
  METRICS_PATH,
  rulerRulesDirName,
} from "./loki/chart";
export type {
  AgentVersion,
  BundledMinio,
  ChartGatewayAuth,
  GatewayTenantIsolation,
  ChartEnvVar,
  ChartImmutables,
  ChartObjectStoreKind,
  ChartValuesInput,
  LokiChartFacts,
  LokiChartVersion,
  LokiComponent,
  LokiVersion,
  SchemaPeriod,
} from "./loki/chart";
export { DEFAULT_CHART_REPOSITORY, immutablesChanging, isLokiChartVersion, LOKI_CHART, LOKI_CHARTS, lokiChartFacts } from "./loki/chart-versions";
export { chart6290MonitoringValues, chart6290Values, NO_SOURCE_CIDR } from "./loki/charts/values-6.29.0";
export type { Chart6290MonitoringValues, Chart6290Values } from "./loki/charts/values-6.29.0";
export { chart18110MonitoringValues, chart18110Values, GATEWAY_TENANT_SNIPPET } from "./loki/charts/values-18.11.0";
export type { Chart18110GatewayAuth, Chart18110MonitoringValues, Chart18110Values, SupportServiceAccount } from "./loki/charts/values-18.11.0";
export { deriveNames } from "./loki/names";
export type { Names } from "./loki/names";
export { checkTenant, resolveTenancy, SINGLE_TENANT } from "./loki/tenancy";
export type { GatewayAuth, LokiTenantProps, Tenancy, TenancyProps } from "./loki/tenancy";
export { checkNetworkAccess, lokiOwnPolicies, namespacesSelector, networkPolicyValues, OBJECT_STORAGE_PORT, POD_IDENTITY_AGENT, releaseSelectorLabels } from "./loki/network-policy";
export type { LokiNetworkAccess, NetworkPolicyObject, NetworkPolicyValues } from "./loki/network-policy";
export { checkMultiTenantChart, DEFAULT_ALERTMANAGER_URL, resolveLokiReleaseProps, SIZE_PRESETS } from "./loki/loki-props";
export type { LokiObjectStorage, LokiReleaseProps, LokiSize, MinioTransition, ReleasePrecondition, ResolvedLokiReleaseProps, ResolvedLokiTenant } from "./loki/loki-props";
export { LokiRelease } from "./loki/loki-release";
export {
  buildLokiValues,
  CANARY_CREDENTIALS_OBJECT,
  CANARY_PASSWORD_ENV,
  CANARY_PASSWORD_KEY,
  CANARY_PASSWORD_SETTING,
  canarySecretName,
  MINIO_CREDENTIAL_ENV,
  MINIO_RELEASE_STORE,
  scrapeAnnotationValues,
  SUPPORT_RESOURCES,
  transitionPeriod,
} from "./loki/values";
export type { AccessValues, CanaryCredentialsObject, LokiValues, MinioReleaseNamedStore, MinioReleaseS3, SharedLokiValues } from "./loki/values";
export {
  COMPONENT_RESOURCES,
  defaultLimits,
  INGEST_TIERS,
  MAX_INGEST_GB_PER_DAY,
  RECOVERY_WINDOW_HOURS,
  resolveSizing,
  resolveTenantLimits,
  tierFor,
} from "./loki/sizing";
export type {
  ComponentResourceOverride,
  ContainerResources,
  IngestTier,
  LokiLimits,
  ResolvedLokiLimits,
  ResolvedSizing,
  SizingProps,
  TierSpec,
} from "./loki/sizing";
export { releaseRequests } from "./loki/release-requests";
export type { ReleaseRequests, RequestTotals } from "./loki/release-requests";
export {
  checkIngesterMemoryLimit,
  REPLAY_MEMORY_SHARE,
  rolloutAndClaimValues,
  walSafety,
  withWalSafety,
  ZONE_MIGRATION_STAGES,
  zoneMigrationValues,
} from "./loki/storage-safety";
export type { RolloutAndClaimInputs, StorageSafetyValues, WalSafety, WalValues, ZoneMigrationStage, ZoneMigrationValues } from "./loki/storage-safety";
export {
  bundledMinioCheck,
  CHART_UPGRADE_RUNBOOK,
  DATA_CLAIM_NAME,
  IN_PLACE_RUNBOOK,
  INGESTER_ZONES,
  InPlaceGuard,
  inPlaceChecks,
  MINIO_TRANSITION_RUNBOOK,
  statefulSetNames,
} from "./loki/in-place-guard";
export type { DesiredChart, DesiredClaim, InPlaceCheck, InPlaceDesired, InPlaceGuardProps } from "./loki/in-place-guard";
export { resolveLokiMonitoring } from "./loki/monitoring-values";
export type { LokiMonitoringProps, ResolvedLokiMonitoring } from "./loki/monitoring-values";
export { EXAMPLE_RULE_GROUPS } from "./loki/rules/rules";
export type { AlertingRule, LokiRule, RecordingRule, RuleGroup } from "./loki/rules/rules";
export { checkRuleGroups } from "./loki/rules/logql";
export { renderRuleFile } from "./loki/rules/alert-rules";
export { checkRuleFiles, checkRuleFileText, findRuleFileProblem, GoTemplateError, parseGoTemplate, RULER_FORMATS, rulerFormat } from "./loki/rules/rulefmt";
export type { RuleFileProblem, RulerFieldTreatment, RulerFormat } from "./loki/rules/rulefmt";

// Fluent Bit.
export { CREDENTIALS_VERSION_ANNOTATION, FLUENT_BIT_CREDENTIALS_SECRET, FLUENT_BIT_PORT_NAME, FLUENT_BIT_SELECTOR_LABELS, FluentBit } from "./fluent-bit/fluent-bit";
export { DEFAULT_FLUENT_BIT_IMAGE, fluentBitSizeBytes, MIN_OUTPUT_BUFFER_MB, outputBufferLimit, resolveFluentBitProps } from "./fluent-bit/props";
export { FLUENT_BIT_VERSIONS } from "./fluent-bit/agent";
export type { FluentBitAgentFacts, FluentBitVersion } from "./fluent-bit/agent";
export { DEFAULT_FLUENT_BIT_VERSION, FLUENT_BIT_AGENTS, fluentBitAgent } from "./fluent-bit/agent-versions";
export type { FluentBitNetworkPolicy, FluentBitOptions, FluentBitProps, FluentBitResources, LokiPushTarget, PushTenant, ResolvedFluentBitProps } from "./fluent-bit/props";
export { buildFluentBitConfig, passwordVariable, renderFluentBitConfig, shapeOf, tenantTagRegex } from "./fluent-bit/config";
export { MERGED_LOG_KEY, REMOVED_KEYS, storedLine } from "./fluent-bit/lines";
export type { LineShape, SampleLine } from "./fluent-bit/lines";
export type { FluentBitConfig } from "./fluent-bit/config";

// Grafana.
export {
  GRAFANA_TIMEOUT_MARGIN_SECONDS,
  grafanaTimeoutSeconds,
  LokiDatasource,
  resolveLokiDatasourceProps,
  tenantDatasourceUid,
  tenantDatasourcesProvisioning,
} from "./grafana/loki-datasource";
export type { LokiDatasourceProps, LokiQueryTarget, QueryTenant } from "./grafana/loki-datasource";

// Monitoring.
export {
  ALERTMANAGER_PORT,
  DEFAULT_GRAFANA_NAMESPACE,
  DEFAULT_MONITORING_STACK,
  GRAFANA_DASHBOARD_LABEL,
  kubePrometheusStackFullname,
  resolveMonitoringStack,
  stackAlertmanagerUrl,
  podLabelAsSeriesLabel,
  stackAlertmanagerPods,
  stackGrafanaNamespace,
  stackLokiDiscovery,
  stackPrometheusPods,
  stackPrometheusSelectorLabels,
  STANDALONE_PROMETHEUS_CHART_REPOSITORY,
  STANDALONE_PROMETHEUS_CHART_VERSION,
  standaloneAlertmanagerService,
} from "./monitoring/stack";
export type { KubePrometheusStack, LokiDiscovery, MonitoringStack, ResolvedMonitoringStack, StandalonePrometheusStack } from "./monitoring/stack";
export { resolvePlatformMonitoringProps } from "./monitoring/props";
export type { MonitoredFluentBit, MonitoredLoki, MonitoringOptions, PlatformMonitoringProps, ResolvedPlatformMonitoringProps } from "./monitoring/props";
export { FLUENT_BIT_DASHBOARD_FILE, LOKI_DASHBOARD_FILE, PlatformMonitoring, PROMETHEUS_OPERATOR_API_VERSION, terraformLiteral } from "./monitoring/monitoring";
export {
  PLATFORM_RULE_FILE,
  PLATFORM_RULE_FILE_DIR,
  PLATFORM_RULE_FILE_PATH,
  prometheusRuleSpecGroups,
  RULE_FILE_HELM_UPGRADE_OUTPUT,
  RULE_FILE_VALUES_OUTPUT,
  ruleFileYaml,
  STANDALONE_DEFAULT_RULE_FILES,
  standaloneHelmUpgrade,
  standaloneRuleFileValues,
} from "./monitoring/rule-file";
export type { ConfigmapMount, StandaloneRuleFileValues } from "./monitoring/rule-file";
export type { OperatorObject } from "./monitoring/monitoring";
export {
  ALERT_SEVERITIES,
  checkPromQLExpression,
  checkPrometheusRuleGroups,
  findPromQLSyntaxError,
  isPrometheusAlertingRule,
  promqlMetricNames,
} from "./monitoring/promql";
export type { AlertSeverity, PrometheusAlertingRule, PrometheusRecordingRule, PrometheusRule, PrometheusRuleGroup, PromQLSyntaxError } from "./monitoring/promql";
export {
  BUFFER_FREE_PERCENT_WARNING,
  DISCARD_REASONS,
  DISCARDED_RATE,
  FLUENT_BIT_SENT_RATE,
  platformRuleGroups,
  RETENTION_STALE_SECONDS,
  retentionAgeExpression,
  vectorSelector,
} from "./monitoring/platform-rules";
export type { LabelMatch, PlatformScope } from "./monitoring/platform-rules";
export { COMPONENT_POD_LABEL, DASHBOARD_COMPONENTS, dashboardExpressions, fluentBitDashboard, lokiDashboard } from "./monitoring/dashboards";
export type { DashboardComponent, DashboardTarget, DatasourceRef, GrafanaDashboard, LokiDashboardScope, TimeseriesPanel } from "./monitoring/dashboards";
