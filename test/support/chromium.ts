// Headless Chromium for tests, driven over the DevTools protocol on a pipe (`--remote-debugging-
// pipe`: no port is opened). Every network request the browser might make goes to a closed
// loopback port, and no name is resolved: tests stay inside 127.0.0.0/8.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = process.env.ARCHY_TEST_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM);
}

export interface PageProblem {
  /** `console.error`, `exception`, or a browser log entry (a refused resource, a CSP violation). */
  source: string;
  text: string;
}

export interface BrowserPage {
  /** Console errors, uncaught exceptions and browser errors seen so far. */
  problems: PageProblem[];
  navigate(url: string): Promise<void>;
  evaluate<T>(expression: string): Promise<T>;
  /** The whole page as a PNG, `width` CSS pixels wide. */
  screenshot(width: number): Promise<Buffer>;
}

export interface Browser {
  newPage(): Promise<BrowserPage>;
  close(): Promise<void>;
}

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

type Listener = (message: Message) => void;

export async function launchChromium(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'archy-chromium-'));
  const child = spawn(CHROMIUM, [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-extensions',
    '--mute-audio',
    '--hide-scrollbars',
    '--proxy-server=http://127.0.0.1:9',
    '--proxy-bypass-list=<-loopback>',
    '--host-resolver-rules=MAP * ~NOTFOUND',
    `--user-data-dir=${profile}`,
    '--remote-debugging-pipe',
    'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = `${stderr}${chunk.toString('utf8')}`.slice(-4000);
  });
  const connection = new Connection(child.stdio[3] as Writable, child.stdio[4] as Readable, () => stderr);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async newPage() {
      const { targetId } = (await connection.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
      const { sessionId } = (await connection.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
      return openPage(connection, sessionId);
    },
    async close() {
      await connection.send('Browser.close').catch(() => undefined);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      killHard(child);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

async function openPage(connection: Connection, sessionId: string): Promise<BrowserPage> {
  const problems: PageProblem[] = [];
  const send = (method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>> => connection.send(method, params, sessionId);
  connection.listen((message) => {
    if (message.sessionId !== sessionId) return;
    const params = message.params ?? {};
    if (message.method === 'Runtime.consoleAPICalled' && (params.type === 'error' || params.type === 'assert')) {
      const args = (params.args as Array<{ value?: unknown; description?: string }> | undefined) ?? [];
      problems.push({ source: `console.${String(params.type)}`, text: args.map((arg) => String(arg.value ?? arg.description ?? '')).join(' ') });
    } else if (message.method === 'Runtime.exceptionThrown') {
      const details = params.exceptionDetails as { text?: string; exception?: { description?: string } } | undefined;
      problems.push({ source: 'exception', text: details?.exception?.description ?? details?.text ?? 'exception' });
    } else if (message.method === 'Log.entryAdded') {
      const entry = params.entry as { level?: string; source?: string; text?: string } | undefined;
      if (entry?.level === 'error') problems.push({ source: `log.${entry.source ?? ''}`, text: entry.text ?? '' });
    }
  });
  await Promise.all([send('Runtime.enable'), send('Log.enable'), send('Page.enable')]);
  return {
    problems,
    async navigate(url) {
      const loaded = connection.next((message) => message.sessionId === sessionId && message.method === 'Page.loadEventFired');
      const answer = await send('Page.navigate', { url });
      if (typeof answer.errorText === 'string') throw new Error(`navigation to ${url} failed: ${answer.errorText}`);
      await loaded;
    },
    async evaluate<T>(expression: string): Promise<T> {
      const answer = await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
      const details = answer.exceptionDetails as { text?: string } | undefined;
      if (details !== undefined) throw new Error(`evaluating ${expression} threw: ${details.text ?? ''}`);
      return (answer.result as { value: T }).value;
    },
    async screenshot(width) {
      await send('Emulation.setDeviceMetricsOverride', { width, height: 900, deviceScaleFactor: 1, mobile: false });
      const metrics = await send('Page.getLayoutMetrics');
      const height = Math.ceil((metrics.cssContentSize as { height: number }).height);
      await send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
      const shot = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
      return Buffer.from(shot.data as string, 'base64');
    },
  };
}

/** DevTools protocol messages over the pipe: JSON, each ended by a NUL byte. */
class Connection {
  readonly #input: Writable;
  readonly #stderr: () => string;
  readonly #pending = new Map<number, { resolve: (result: Record<string, unknown>) => void; reject: (error: Error) => void }>();
  readonly #listeners = new Set<Listener>();
  #nextId = 1;
  #buffer = '';
  #closed: Error | undefined;

  constructor(input: Writable, output: Readable, stderr: () => string) {
    this.#input = input;
    this.#stderr = stderr;
    output.on('data', (chunk: Buffer) => this.#receive(chunk.toString('utf8')));
    output.on('close', () => this.#fail(new Error(`chromium closed the DevTools pipe\n${stderr()}`)));
    input.on('error', (error) => this.#fail(error));
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    const message = JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) });
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#input.write(`${message}\0`);
    });
  }

  listen(listener: Listener): void {
    this.#listeners.add(listener);
  }

  /** The first message matching `test` from now on. */
  next(test: (message: Message) => boolean): Promise<Message> {
    return new Promise((resolve) => {
      const listener: Listener = (message) => {
        if (!test(message)) return;
        this.#listeners.delete(listener);
        resolve(message);
      };
      this.#listeners.add(listener);
    });
  }

  #receive(text: string): void {
    this.#buffer += text;
    let end: number;
    while ((end = this.#buffer.indexOf('\0')) !== -1) {
      const raw = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 1);
      const message = JSON.parse(raw) as Message;
      if (message.id !== undefined) {
        const waiting = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error) waiting?.reject(new Error(`${message.error.message}\n${this.#stderr()}`));
        else waiting?.resolve(message.result ?? {});
      } else {
        for (const listener of [...this.#listeners]) listener(message);
      }
    }
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    for (const waiting of this.#pending.values()) waiting.reject(error);
    this.#pending.clear();
  }
}

function killHard(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
