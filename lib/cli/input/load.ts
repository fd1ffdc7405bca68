// The workloads a command looks at: from manifests (`-f`), or from the cluster of the kubeconfig.
// Every way this can fail for want of good input or cluster access is an InputError (exit 2).
import type { KubeApi } from '../../kube/kube-client.ts';
import { KubeError } from '../../kube/kube-client.ts';
import { connectKubeconfig, kubeconfigApi, KubeconfigError } from '../../kube/kubeconfig-client.ts';
import { listWorkloads, WORKLOAD_RESOURCES } from '../../kube/workloads.ts';
import type { InputOptions } from '../args.ts';
import type { CliIo } from '../io.ts';
import type { ReportInput } from '../report/document.ts';
import { extractWorkloads } from '../workloads/extract.ts';
import type { Workload } from '../workloads/workload.ts';
import { InputError } from './input-error.ts';
import type { SourcedObject } from './kube-object.ts';
import { readManifests } from './manifests.ts';

export interface LoadedWorkloads {
  workloads: Workload[];
  notes: string[];
  input: ReportInput;
  /** Cluster input: the API the workloads' pull secrets are read through. */
  kube?: KubeApi;
}

export async function loadWorkloads(options: InputOptions, io: CliIo): Promise<LoadedWorkloads> {
  if (options.files.length > 0) {
    const manifests = await readManifests(options.files, io.readStdin);
    const extraction = extractWorkloads(manifests.objects);
    const wanted = new Set(options.namespaces);
    const workloads = wanted.size === 0 ? extraction.workloads : extraction.workloads.filter((workload) => wanted.has(workload.namespace));
    return { workloads, notes: [...manifests.notes, ...extraction.notes], input: { kind: 'manifests', paths: options.files } };
  }
  return loadCluster(options, io);
}

async function loadCluster(options: InputOptions, io: CliIo): Promise<LoadedWorkloads> {
  let client;
  try {
    client = await connectKubeconfig(io.env, options.context);
  } catch (error) {
    if (error instanceof KubeconfigError) throw new InputError(`no cluster access: ${error.message}`);
    throw error;
  }
  const namespaces = options.namespaces.length > 0 ? options.namespaces : undefined;
  let listing;
  try {
    listing = await listWorkloads(client, { namespaces });
  } catch (error) {
    if (error instanceof KubeError) throw new InputError(clusterProblem(error, client.server, client.context));
    throw error;
  }
  const objects: SourcedObject[] = listing.objects.map((object) => ({ object, source: 'cluster' }));
  const extraction = extractWorkloads(objects);
  return {
    workloads: extraction.workloads,
    notes: [...listing.notes, ...extraction.notes],
    input: { kind: 'cluster', context: client.context, server: client.server, namespaces: namespaces ?? 'all' },
    kube: kubeconfigApi(client),
  };
}

function clusterProblem(error: KubeError, server: string, context: string | undefined): string {
  const where = `${server}${context === undefined ? '' : ` (context ${context})`}`;
  if (error.reason === 'Forbidden' || error.reason === 'Unauthorized') {
    const resources = WORKLOAD_RESOURCES.map((resource) => resource.resource).join(', ');
    return `no cluster access: ${error.message} at ${where}; the report needs list on ${resources}, and get on secrets and serviceaccounts for pull secrets`;
  }
  if (error.reason === 'Unreachable' || error.reason === 'Timeout') return `no cluster access: cannot reach the Kubernetes API at ${where}: ${error.message}`;
  return `no cluster access: ${error.message} at ${where}`;
}
