// The help texts, one per command.

export const USAGE = `usage: archy <command> [options]

  archy report   which workloads can run on arm64 (Graviton) today, and what holds the rest back
  archy check    fail (exit 1) when a workload's images share no architecture; for CI and GitOps
  archy resolve  what Archy sees for images: normalised reference, digest, platforms

Run archy <command> --help for its options. Every command reads the webhook's ARCHY_* variables
(ARCHY_INSECURE_REGISTRIES, ARCHY_REGISTRY_MIRRORS, ARCHY_CACHE_TABLE, …).`;

export const RESOLVE_USAGE = `usage: archy resolve [--json] IMAGE...

Prints each image's normalised reference (registry, repository, tag, digest), its resolved digest
and its platforms. With --json, one JSON object per line. Exit status 1 when any image failed.
Reads the same ARCHY_* variables as the webhook (ARCHY_INSECURE_REGISTRIES, ARCHY_TIME_BUDGET_MS, …).`;

const INPUT_HELP = `Input (the cluster of the current kubeconfig context unless -f is given):
  -f, --filename PATH     manifests: a file, a directory (its .yaml/.yml/.json files) or - for stdin;
                          repeatable. Multi-document YAML, JSON, kind: List, kubectl get -o json
                          and helm template output are read
  -n, --namespace NS      only this namespace; repeatable (default: all namespaces)
      --context NAME      a kubeconfig context other than the current one
      --timeout SECONDS   time budget of one image's lookup (default 20)`;

export const REPORT_USAGE = `usage: archy report [-f PATH]... [-n NAMESPACE]... [--context NAME] [-o table|json|html] [--out FILE]

Which workloads (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and bare Pods,
read from their pod templates) can run on arm64 today, which images hold the rest back, how much
requested vCPU could move to Graviton and an estimate of what that saves.

${INPUT_HELP}

Output:
  -o, --output FORMAT        table (default), json (a stable document, see the README) or html
      --out FILE             write the report to FILE instead of stdout
      --vcpu-hour-price USD  on-demand price of one x86 vCPU-hour (default 0.048: m6i.large,
                             us-east-1)
      --price-ratio R        Graviton price ÷ x86 price per vCPU (default 0.8: m6g vs m6i)

Exit status 0 when the report is complete (unresolvable images are reported as unknown), 2 for bad
input: unreadable file, not Kubernetes objects, no cluster access, invalid option.`;

export const CHECK_USAGE = `usage: archy check -f PATH... [--arch ARCH,...] [-o text|json] [--strict]

Resolves the images of every pod template in the manifests and fails when a workload's images
share no architecture, or share none of the architectures given with --arch (the architectures
your nodes have). One line per failing workload names each image's architectures.
  helm template . | archy check -f - --arch amd64,arm64

${INPUT_HELP}

Check:
      --arch LIST         comma-separated architectures; a workload passes when its images share
                          at least one of them (--arch arm64: everything must run on arm64)
  -o, --output FORMAT     text (default) or json
      --strict            an image that cannot be resolved fails its workload too

Exit status 0 when every workload passes, 1 when one fails, 2 for bad input.`;
