/**
 * The component modules of the OpenTelemetry Collector contrib distribution 0.158.0 — the image
 * otel/opentelemetry-collector-contrib:0.158.0 is built from this list: open-telemetry/opentelemetry-collector-releases
 * tag v0.158.0 (commit 1400269f8ace841f8d0492f4f9c6c7f305f95268) distributions/otelcol-contrib/manifest.yaml, the
 * builder config; module paths shortened to their last segment, in the manifest's order. When the image pin moves,
 * re-read the manifest at the new tag and replace these lists.
 *
 * A config refers to components by TYPE, not module: `TYPES` maps the modules this program uses to the type in each
 * module's metadata.yaml (e.g. tailsamplingprocessor → `tail_sampling`).
 */
const list = (s: string) => s.trim().split(/\s+/);

export const CONTRIB_0_158_0_MODULES = {
  extensions: list(`
    zpagesextension ackextension asapauthextension awsproxy azureauthextension basicauthextension
    bearertokenauthextension cgroupruntimeextension datadogextension awscloudwatchmetricstreamsencodingextension
    awslogsencodingextension azureencodingextension googlecloudlogentryencodingextension jaegerencodingextension
    jsonlogencodingextension otlpencodingextension skywalkingencodingextension textencodingextension
    zipkinencodingextension googleclientauthextension headerssetterextension healthcheckextension
    httpforwarderextension jaegerremotesampling oauth2clientauthextension dockerobserver ecsobserver hostobserver
    k8sobserver kafkatopicsobserver oidcauthextension opampextension pprofextension sigv4authextension filestorage
    dbstorage redisstorageextension pebbletailstorageextension sumologicextension k8sleaderelector
  `),
  receivers: list(`
    nopreceiver otlpreceiver obi activedirectorydsreceiver aerospikereceiver apachereceiver apachesparkreceiver
    awscloudwatchreceiver awscontainerinsightreceiver awsecscontainermetricsreceiver awsfirehosereceiver
    awslambdareceiver awss3receiver awsxrayreceiver azureblobreceiver azureeventhubreceiver azuremonitorreceiver
    carbonreceiver chronyreceiver ciscoosreceiver cloudflarereceiver cloudfoundryreceiver collectdreceiver
    couchdbreceiver datadogreceiver dockerstatsreceiver elasticsearchreceiver envoyalsreceiver expvarreceiver
    faroreceiver filelogreceiver filestatsreceiver flinkmetricsreceiver fluentforwardreceiver githubreceiver
    gitlabreceiver googlecloudmonitoringreceiver googlecloudpubsubreceiver googlecloudspannerreceiver
    haproxyreceiver hostmetricsreceiver httpcheckreceiver icmpcheckreceiver influxdbreceiver iisreceiver
    jaegerreceiver journaldreceiver k8sclusterreceiver k8seventsreceiver k8sobjectsreceiver kafkametricsreceiver
    kafkareceiver kubeletstatsreceiver libhoneyreceiver lokireceiver macosunifiedloggingreceiver memcachedreceiver
    mongodbatlasreceiver mongodbreceiver mysqlreceiver namedpipereceiver netflowreceiver nginxreceiver nsxtreceiver
    ntpreceiver oracledbreceiver otlpjsonfilereceiver otelarrowreceiver podmanreceiver postgresqlreceiver
    pprofreceiver prometheusreceiver prometheusremotewritereceiver purefareceiver purefbreceiver pulsarreceiver
    rabbitmqreceiver receivercreator redisreceiver riakreceiver saphanareceiver simpleprometheusreceiver
    skywalkingreceiver snowflakereceiver solacereceiver splunkenterprisereceiver splunkhecreceiver stefreceiver
    sqlqueryreceiver sqlserverreceiver sshcheckreceiver statsdreceiver syslogreceiver systemdreceiver
    tcpcheckreceiver tcplogreceiver tlscheckreceiver udplogreceiver vcenterreceiver wavefrontreceiver snmpreceiver
    webhookeventreceiver windowseventlogreceiver windowsperfcountersreceiver windowsservicereceiver yanggrpcreceiver
    zipkinreceiver zookeeperreceiver
  `),
  processors: list(`
    batchprocessor memorylimiterprocessor attributesprocessor cumulativetodeltaprocessor coralogixprocessor
    deltatocumulativeprocessor deltatorateprocessor drainprocessor filterprocessor genainormalizerprocessor
    geoipprocessor groupbyattrsprocessor groupbytraceprocessor intervalprocessor isolationforestprocessor
    k8sattributesprocessor logdedupprocessor metricsgenerationprocessor metricstarttimeprocessor
    metricstransformprocessor probabilisticsamplerprocessor redactionprocessor remotetapprocessor
    resourcedetectionprocessor resourceprocessor schemaprocessor spanprocessor sumologicprocessor
    tailsamplingprocessor transformprocessor unrollprocessor cardinalityguardianprocessor
  `),
  exporters: list(`
    debugexporter nopexporter otlpexporter otlphttpexporter alibabacloudlogserviceexporter awscloudwatchlogsexporter
    awsemfexporter awskinesisexporter awsxrayexporter awss3exporter azureblobexporter azuredataexplorerexporter
    azuremonitorexporter bmchelixexporter cassandraexporter clickhouseexporter coralogixexporter datadogexporter
    datasetexporter dorisexporter elasticsearchexporter faroexporter fileexporter googlecloudexporter
    googlecloudpubsubexporter googlecloudstorageexporter googlemanagedprometheusexporter honeycombmarkerexporter
    influxdbexporter kafkaexporter loadbalancingexporter logicmonitorexporter logzioexporter mezmoexporter
    opensearchexporter otelarrowexporter prometheusexporter prometheusremotewriteexporter pulsarexporter
    rabbitmqexporter sentryexporter signalfxexporter splunkhecexporter stefexporter sumologicexporter syslogexporter
    tencentcloudlogserviceexporter tinybirdexporter zipkinexporter
  `),
  connectors: list(`
    forwardconnector countconnector datadogconnector exceptionsconnector failoverconnector grafanacloudconnector
    otlpjsonconnector roundrobinconnector routingconnector servicegraphconnector spanmetricsconnector sumconnector
    signaltometricsconnector
  `)
,
} as const;

/** Component type (metadata.yaml `type`) → module, for the components our collector config names. */
export const TYPES: Record<"extensions" | "receivers" | "processors" | "exporters", Record<string, string>> = {
  extensions: { health_check: "healthcheckextension", basicauth: "basicauthextension", bearertokenauth: "bearertokenauthextension" },
  receivers: { otlp: "otlpreceiver" },
  processors: { memory_limiter: "memorylimiterprocessor", tail_sampling: "tailsamplingprocessor", batch: "batchprocessor" },
  exporters: { otlp: "otlpexporter", otlphttp: "otlphttpexporter", debug: "debugexporter" },
};

/** The module of a configured component id (`type[/name]`), if the contrib 0.158.0 distribution has it. */
export function contribModule(kind: keyof typeof TYPES, id: string): string | undefined {
  const module = TYPES[kind][id.split("/")[0]];
  return module && (CONTRIB_0_158_0_MODULES[kind] as readonly string[]).includes(module) ? module : undefined;
}
