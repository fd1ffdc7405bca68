/** Bad input (unreadable file, not Kubernetes objects, no cluster access): exit status 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
