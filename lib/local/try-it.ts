// What the demo prints for a person to copy: a shell one-liner that posts a sample review to the
// local webhook and decodes the patch in the answer, and a MutatingWebhookConfiguration for a
// kind cluster. Both are plain text built from what is running.

/** The review inside the Lambda event `eventFile`, posted to `url`, the answer printed with its patch decoded. */
export function reviewOneLiner(options: {
  eventFile: string;
  /** Image registry named in the event, and the one to post instead (when the sample registry moved). */
  registryRename?: { from: string; to: string };
  caFile: string;
  /** `https://host:port/mutate`. */
  url: string;
  /** Append `/"$ARCHY_WEBHOOK_TOKEN"` to the URL (the webhook serves only the token path). */
  tokenPath: boolean;
}): string {
  const rename = options.registryRename && options.registryRename.from !== options.registryRename.to
    ? `.replaceAll(${JSON.stringify(options.registryRename.from)},${JSON.stringify(options.registryRename.to)})`
    : '';
  const body = `node -p ${shellQuote(`require(process.argv[1]).body${rename}`)} ${shellQuote(options.eventFile)}`;
  const url = `${shellQuote(options.url)}${options.tokenPath ? '/"$ARCHY_WEBHOOK_TOKEN"' : ''}`;
  const post = `curl -sS --cacert ${shellQuote(options.caFile)} -H 'content-type: application/json' --data-binary @- ${url}`;
  const decode = `node -e ${shellQuote('const r=JSON.parse(require("fs").readFileSync(0,"utf8")).response;if(r.patch)r.patch=JSON.parse(Buffer.from(r.patch,"base64"));console.log(JSON.stringify(r,null,2))')}`;
  return `${body} | ${post} | ${decode}`;
}

/** The MutatingWebhookConfiguration `npm run register` would apply, pointed at the local webhook. */
export function webhookConfigurationYaml(options: { url: string; caBundle: string }): string {
  return `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: { name: archy-dev }
webhooks:
  - name: pods.archy.io
    clientConfig:
      url: ${options.url}
      caBundle: ${options.caBundle}
    rules:
      - { operations: [CREATE], apiGroups: [''], apiVersions: [v1], resources: [pods] }
      - { operations: [UPDATE], apiGroups: [''], apiVersions: [v1], resources: [pods/ephemeralcontainers] }
    namespaceSelector:
      matchExpressions:
        - { key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system] }
        - { key: archy.io/skip, operator: NotIn, values: ['true'] }
    objectSelector:
      matchExpressions: [{ key: archy.io/skip, operator: NotIn, values: ['true'] }]
    failurePolicy: Ignore
    sideEffects: NoneOnDryRun
    reinvocationPolicy: IfNeeded
    timeoutSeconds: 10
    admissionReviewVersions: [v1]
`;
}

/** `value` as one shell word: unchanged when it is plainly safe, else in single quotes. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
