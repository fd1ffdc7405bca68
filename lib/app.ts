// The composition root: configuration, clients and the router, built once per cold start and
// shared by the Lambda handler, the local HTTPS server and the benchmarks.
import type { DestinationStream } from 'pino';
import { createAdmitter, type PodCredentialsFactory } from './admission/admit.ts';
import { createSharedTier } from './cache/index.ts';
import { ConfigError, describeConfig, loadConfig, type Config } from './config.ts';
import { createPodCredentials } from './credentials/pod-credentials.ts';
import { EcrCredentials } from './credentials/ecr.ts';
import { createRouter, type Health, type HttpRequest, type HttpResponse } from './http/router.ts';
import { ClusterViewReader } from './kube/cluster-view.ts';
import { createEventRecorder, reportingInstanceOf } from './kube/events.ts';
import { kubeApiOver } from './kube/kube-client.ts';
import { kubeAccessConfigured } from './kube/kube-connection.ts';
import { createNamespaceDefaults } from './kube/namespace-defaults.ts';
import { createKubeRest } from './kube/kube-rest.ts';
import { sharedKubeConnection } from './kube/shared-connection.ts';
import { createLogger, forRequest, type Logger } from './log.ts';
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
  /** Settles when the background work started after the answers so far (the cluster view) is done. */
  idle(): Promise<void>;
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
    return { logger, handle: (request, requestId) => route(request, forRequest(logger, requestId)), idle: () => Promise.resolve() };
  }

  // With a table, registry challenges are shared through it too: a cold instance skips known 401s.
  const { cache, challenges } = createSharedTier(config, logger, metrics);
  const registry = new RegistryClient({
    insecureRegistries: config.insecureRegistries,
    privateRegistries: config.privateRegistries,
    logger,
    metrics,
    transport: options.registryTransport,
    challenges,
  });
  const ecr = new EcrCredentials({ logger });
  const source = Object.keys(config.registryMirrors).length > 0
    ? new MirroringSource({ registry, mirrors: config.registryMirrors, credentials: ecr, logger })
    : registry;
  const resolver = new Resolver({ source, cache, config, logger, metrics });
  // Kubernetes access follows `env` (not process.env), so an app built for a test sees only its own.
  // Pull secrets, the cluster view, Events and Namespace defaults share one plain-HTTPS reader (no
  // Kubernetes library on the admission path) and one connection: one DescribeCluster, one token cache.
  const kubeAvailable = kubeAccessConfigured(config, env);
  const connection = sharedKubeConnection(config, { env }, logger);
  const rest = kubeAvailable ? createKubeRest(connection) : undefined;
  const kubeApi = rest ? kubeApiOver(rest) : undefined;
  const podCredentials: PodCredentialsFactory = (pod, namespace, deadline) =>
    createPodCredentials({
      kube: kubeApi ? async () => kubeApi : undefined,
      namespace: namespace ?? 'default',
      imagePullSecrets: (pod.spec?.imagePullSecrets ?? []).map((ref) => ref.name).filter((name): name is string => Boolean(name)),
      serviceAccountName: pod.spec?.serviceAccountName,
      ecr,
      deadline,
    });
  const view = rest ? new ClusterViewReader({ rest, logger, metrics }) : undefined;
  const events = rest ? createEventRecorder({ rest, reportingInstance: reportingInstanceOf(env), logger, metrics }) : undefined;
  const namespaceDefaults = rest ? createNamespaceDefaults({ rest, logger, metrics }) : undefined;
  const fixedConfig = config;
  const background = new AfterResponse();

  // Admissions read the view as last learned and never wait for it; it is refreshed only after an
  // answer has been given, so a cold instance's first admission makes no Kubernetes request for it.
  const admit = createAdmitter({ config, resolver, logger, metrics, podCredentials, clusterView: () => view?.current(), events, namespaceDefaults });
  const health = async (): Promise<Health> => {
    const table = await cache.health();
    return { ok: table.ok, ...modeOf(fixedConfig), configuration: describeConfig(fixedConfig), cache: table };
  };
  const token = createWebhookToken({ config, logger, env });
  const route = createRouter({ token, admit, health });
  return {
    logger,
    config,
    async handle(request, requestId) {
      const response = await route(request, forRequest(logger, requestId));
      if (view !== undefined) background.start(() => view.refreshIfDue());
      return response;
    },
    idle: () => background.idle(),
  };
}

/** Work started once the caller has its answer (the next turn of the event loop), never awaited by it. */
class AfterResponse {
  #running: Promise<void> = Promise.resolve();

  start(work: () => Promise<void>): void {
    const started = new Promise<void>((resolve) => setImmediate(resolve)).then(work).catch(() => undefined);
    const previous = this.#running;
    this.#running = Promise.all([previous, started]).then(() => undefined);
  }

  idle(): Promise<void> {
    return this.#running;
  }
}

/** What /healthz says first: the mode, and the namespaces that audit while the rest enforce. */
function modeOf(config: Config): { mode: string; auditNamespaces?: string[] } {
  return config.mode === 'enforce' && config.auditNamespaces.length > 0 ? { mode: config.mode, auditNamespaces: config.auditNamespaces } : { mode: config.mode };
}
