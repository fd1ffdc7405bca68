// The composition root: configuration, clients and the router, built once per cold start and
// shared by the Lambda handler, the local HTTPS server and the benchmarks.
import type { DestinationStream } from 'pino';
import { createAdmitter, type ClusterView, type PodCredentialsFactory } from './admission/admit.ts';
import { createCache } from './cache/index.ts';
import { ConfigError, describeConfig, loadConfig, type Config } from './config.ts';
import { createPodCredentials } from './credentials/pod-credentials.ts';
import { EcrCredentials } from './credentials/ecr.ts';
import { createRouter, type Health, type HttpRequest, type HttpResponse } from './http/router.ts';
import { createKubeAccess } from './kube/kube-client.ts';
import { mostCommonArchitecture, NodeCensus } from './kube/census.ts';
import { createLogger, type Logger } from './log.ts';
import type { Metrics } from './metrics/metrics.ts';
import { MirroringSource } from './mirrors/mirroring-source.ts';
import { RegistryClient } from './registry/client.ts';
import type { Transport } from './registry/transport.ts';
import { Resolver } from './resolver/resolver.ts';
import { createWebhookToken } from './secrets/webhook-token.ts';

export interface App {
  logger: Logger;
  config?: Config;
  handle(request: HttpRequest, requestId?: string): Promise<HttpResponse>;
}

export interface AppOptions {
  env?: Record<string, string | undefined>;
  logDestination?: DestinationStream;
  metrics?: Metrics;
  /** Tests and benchmarks inject a transport (e.g. a recording one); production uses the default. */
  registryTransport?: Transport;
}

export function createApp(options: AppOptions = {}): App {
  const env = options.env ?? process.env;
  let config: Config | undefined;
  let configProblems: string[] = [];
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    configProblems = error.problems;
  }
  const logger = createLogger(config?.logLevel ?? 'info', options.logDestination);
  const metrics = options.metrics ?? { count: () => undefined, timing: () => undefined };

  if (!config) {
    logger.fatal({ problems: configProblems }, 'invalid configuration: every pod is admitted unchanged until it is fixed');
    const route = createRouter({ health: async () => ({ ok: false, configuration: 'invalid', problems: configProblems }) });
    return { logger, handle: (request, requestId) => route(request, logger.child({ requestId })) };
  }

  const cache = createCache(config, logger, metrics);
  const registry = new RegistryClient({
    insecureRegistries: config.insecureRegistries,
    privateRegistries: config.privateRegistries,
    logger,
    metrics,
    transport: options.registryTransport,
  });
  const ecr = new EcrCredentials({ logger });
  const source = Object.keys(config.registryMirrors).length > 0
    ? new MirroringSource({ registry, mirrors: config.registryMirrors, credentials: ecr, logger })
    : registry;
  const resolver = new Resolver({ source, cache, config, logger, metrics });
  // Kubernetes access follows `env` (not process.env), so an app built for a test sees only its own.
  const kube = createKubeAccess(config, logger, { env });
  const podCredentials: PodCredentialsFactory = (pod, namespace, deadline) =>
    createPodCredentials({
      kube: kube.available ? kube.get : undefined,
      namespace: namespace ?? 'default',
      imagePullSecrets: (pod.spec?.imagePullSecrets ?? []).map((ref) => ref.name).filter((name): name is string => Boolean(name)),
      serviceAccountName: pod.spec?.serviceAccountName,
      ecr,
      deadline,
    });
  const census = kube.available ? new NodeCensus({ kube: kube.get, logger, metrics }) : undefined;
  const fixedConfig = config;
  // The census answers from what it last learned and refreshes in the background: it only breaks
  // ties, so no admission waits for it (or for the Kubernetes client to load on a cold start).
  const clusterView: ClusterView = async () => {
    const counts = census?.current();
    return { mostCommonArch: mostCommonArchitecture(counts, fixedConfig.defaultArch), architectures: counts ? Object.keys(counts) : undefined };
  };

  const admit = createAdmitter({ config, resolver, logger, metrics, podCredentials, clusterView });
  const health = async (): Promise<Health> => {
    const table = await cache.health();
    return { ok: table.ok, configuration: describeConfig(fixedConfig), cache: table };
  };
  const token = createWebhookToken({ config, logger, env });
  const route = createRouter({ token, admit, health });
  return { logger, config, handle: (request, requestId) => route(request, logger.child({ requestId })) };
}
