// Registers Archy with an EKS cluster: reads the stack outputs (or --url), renders the
// MutatingWebhookConfiguration and the RBAC, and server-side applies them to the current kubeconfig.
//   node infra/register.ts --cluster NAME [--stage S] [--region R] [--dry-run]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { parseOptions, type RegistrationOptions } from './options.ts';
import { collapseSlashes, redactWebhookUrl, renderManifests, toYaml, webhookUrl, type KubeObject } from './render.ts';
import type { KubeTarget } from './kube.ts';

export const RBAC_FILE = fileURLToPath(new URL('./kubernetes/rbac.yaml', import.meta.url));

export interface RegisterDeps {
  stackOutputs(stackName: string, region: string): Promise<Record<string, string>>;
  secret(secretArn: string): Promise<string>;
  kube(options: RegistrationOptions): KubeTarget;
  rbac(): KubeObject[];
  print(text: string): void;
}

export interface WebhookTarget {
  url: string;
  timeBudgetMs: number;
  functionTimeoutSeconds?: number;
}

/** Where the webhook lives: --url as given, else the stack outputs and the token's secret. */
export async function resolveTarget(options: RegistrationOptions, deps: RegisterDeps): Promise<WebhookTarget> {
  if (options.url !== undefined) return { url: webhookUrlFromFlag(options.url), timeBudgetMs: options.timeBudgetMs };
  const outputs = await deps.stackOutputs(options.stackName, options.region).catch((error: unknown) => {
    throw isMissingStack(error) ? new Error(`stack ${options.stackName} does not exist in ${options.region}: ${deployHint(options)}`) : error;
  });
  const endpoint = outputs.WebhookUrl;
  const secretArn = outputs.WebhookTokenSecretArn;
  if (!endpoint || !secretArn) {
    throw new Error(`stack ${options.stackName} in ${options.region} has no WebhookUrl/WebhookTokenSecretArn outputs: ${deployHint(options)}`);
  }
  if (outputs.ClusterName !== options.cluster) {
    throw new Error(
      `stack ${options.stackName} was deployed ${outputs.ClusterName ? `for cluster "${outputs.ClusterName}"` : 'without a cluster'}, ` +
        `so its role has no access entry in "${options.cluster}": run npx sls deploy --stage ${options.stage} --region ${options.region} --param="cluster=${options.cluster}"`,
    );
  }
  const token = (await deps.secret(secretArn)).trim();
  return {
    url: webhookUrl(endpoint, token),
    timeBudgetMs: numberOr(outputs.TimeBudgetMs, options.timeBudgetMs),
    functionTimeoutSeconds: numberOr(outputs.FunctionTimeoutSeconds, undefined),
  };
}

export async function register(argv: string[], deps: RegisterDeps): Promise<void> {
  const options = parseOptions(argv);
  const target = await resolveTarget(options, deps);
  const objects = renderManifests({ ...target, rbac: deps.rbac() });
  if (options.dryRun) {
    const shown = options.revealToken ? objects : objects.map((object) => redactUrls(object));
    deps.print(toYaml(shown));
    return;
  }
  const kube = deps.kube(options);
  await kube.apply(objects);
  deps.print(`applied ${objects.map((object) => `${object.kind}/${object.metadata.name}`).join(', ')} to ${kube.description}`);
  deps.print(`webhook URL: ${redactWebhookUrl(target.url)}`);
}

/** The objects of infra/kubernetes/rbac.yaml. */
export function readRbac(file = RBAC_FILE): KubeObject[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file} is missing: it holds the ClusterRole and binding for group archy:webhook`);
  }
  return parseAllDocuments(text)
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null && typeof object === 'object' && 'kind' in object);
}

function deployHint(options: RegistrationOptions): string {
  return `deploy it first (npx sls deploy --stage ${options.stage} --region ${options.region}), or pass --region with the region it was deployed to`;
}

/** CloudFormation's answer for an unknown stack name, in the region asked. */
function isMissingStack(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message);
}

function webhookUrlFromFlag(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = collapseSlashes(parsed.pathname);
  if (parsed.protocol !== 'https:' || !/\/mutate\/[^/]+$/.test(parsed.pathname)) {
    throw new Error('--url: expected https://<endpoint>/mutate/<token>');
  }
  return parsed.toString();
}

function redactUrls(object: KubeObject): KubeObject {
  return JSON.parse(JSON.stringify(object), (key, value: unknown) =>
    key === 'url' && typeof value === 'string' ? redactWebhookUrl(value) : value,
  ) as KubeObject;
}

function numberOr<T>(value: string | undefined, fallback: T): number | T {
  const parsed = Number(value);
  return value !== undefined && Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
}

/** The real dependencies: AWS SDK, Secrets Manager, the kubeconfig. Loaded lazily so tests skip them. */
export async function defaultDeps(): Promise<RegisterDeps> {
  const aws = await import('./aws.ts');
  const kube = await import('./kube.ts');
  return {
    stackOutputs: aws.describeStackOutputs,
    secret: aws.readSecretString,
    kube(options) {
      const kubeConfig = kube.loadKubeConfig(options.context);
      kube.assertContextIsCluster(kubeConfig, options.cluster);
      return kube.kubeTarget(kubeConfig);
    },
    rbac: () => readRbac(),
    print: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await register(process.argv.slice(2), await defaultDeps());
  } catch (error) {
    process.stderr.write(`register: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
