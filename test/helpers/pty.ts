/**
 * Runs a program on a real pseudo-terminal (Python's pty module: no native
 * npm dependency) and reads the screen it leaves, through a small terminal
 * model that applies what mkbundle's live display sends: carriage returns,
 * line feeds, cursor moves and erases. Any other escape sequence fails the
 * test: the display must not send what the model does not know.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** Opens a pty of COLS×ROWS, runs argv on it, copies what it writes to stdout, exits with its status. */
const RUNNER = `
import fcntl, os, pty, struct, sys, termios
cols, rows, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    os.execvp(argv[0], argv)
while True:
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
`;

export interface PtyRun {
  readonly code: number;
  /** Everything the terminal received. */
  readonly output: string;
  /** The screen at the end, trailing blanks trimmed, scrolled-off lines included. */
  readonly screen: readonly string[];
}

export interface PtyOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cols?: number;
  readonly rows?: number;
  readonly cwd?: string;
}

/**
 * Runs `command` on a pty (stdin, stdout and stderr all the terminal, as a
 * user has them) with only PATH, TERM=xterm and `env`: no CI variable.
 */
export async function runOnPty(command: string, args: readonly string[], options: PtyOptions = {}): Promise<PtyRun> {
  const cols = options.cols ?? 100;
  const rows = options.rows ?? 40;
  const child = spawn('python3', ['-c', RUNNER, String(cols), String(rows), command, ...args], {
    env: { PATH: process.env.PATH, TERM: 'xterm', ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const [code] = (await once(child, 'close')) as [number];
  const output = Buffer.concat(chunks).toString();
  const terminal = new Terminal(cols, rows);
  terminal.write(output);
  return { code, output, screen: terminal.lines() };
}

/**
 * The screen of a terminal of `cols`×`rows` with unlimited scrollback:
 * printable text (wrapping at the last column), CR, LF (as CR LF, the
 * way a pty's ONLCR delivers it), and the CSI
 * sequences A B C D E F G (cursor), J K (erase) and m (attributes, ignored).
 * The cursor cannot go above the top of the visible screen, as on a real one.
 */
export class Terminal {
  private readonly rowsOf: string[][] = [[]];
  private row = 0;
  private col = 0;

  constructor(
    private readonly cols: number,
    private readonly rows: number,
  ) {}

  write(text: string): void {
    const ESC = String.fromCharCode(0x1b);
    const csi = new RegExp(`^${ESC}\\[([0-9;?]*)([A-Za-z])`);
    for (let i = 0; i < text.length; ) {
      const char = text[i] as string;
      if (char === ESC) {
        const match = csi.exec(text.slice(i, i + 32));
        if (match === null)
          throw new Error(`unknown escape sequence at ${i}: ${JSON.stringify(text.slice(i, i + 12))}`);
        this.control(match[2] as string, match[1] ?? '');
        i += match[0].length;
        continue;
      }
      const code = char.codePointAt(0) ?? 0;
      const printed = String.fromCodePoint(code);
      i += printed.length;
      if (printed === '\r') this.col = 0;
      // As a pty shows it (ONLCR): a line feed also returns the carriage.
      else if (printed === '\n') this.moveTo(this.row + 1, 0);
      else if (printed === '\b') this.col = Math.max(0, this.col - 1);
      else if (code < 0x20 || code === 0x7f) throw new Error(`unexpected control character U+${code.toString(16)}`);
      else this.put(printed);
    }
  }

  /** Every line, scrollback first, without trailing blanks; trailing empty lines dropped. */
  lines(): string[] {
    const lines = this.rowsOf.map((cells) =>
      cells
        .map((c) => c ?? ' ')
        .join('')
        .trimEnd(),
    );
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  private get top(): number {
    return Math.max(0, this.rowsOf.length - this.rows);
  }

  private moveTo(row: number, col: number): void {
    this.row = Math.max(this.top, row);
    this.col = Math.min(Math.max(0, col), this.cols - 1);
    while (this.rowsOf.length <= this.row) this.rowsOf.push([]);
  }

  private put(char: string): void {
    if (this.col >= this.cols) this.moveTo(this.row + 1, 0);
    const cells = this.rowsOf[this.row] as string[];
    while (cells.length < this.col) cells.push(' ');
    cells[this.col] = char;
    // Past the last column the next character wraps (the pending-wrap state of a VT100).
    this.col += 1;
  }

  private control(final: string, params: string): void {
    const n = Math.max(1, Number.parseInt(params || '1', 10) || 1);
    switch (final) {
      case 'A':
        this.moveTo(this.row - n, this.col);
        return;
      case 'B':
        this.moveTo(this.row + n, this.col);
        return;
      case 'C':
        this.moveTo(this.row, this.col + n);
        return;
      case 'D':
        this.moveTo(this.row, this.col - n);
        return;
      case 'E':
        this.moveTo(this.row + n, 0);
        return;
      case 'F':
        this.moveTo(this.row - n, 0);
        return;
      case 'G':
        this.moveTo(this.row, n - 1);
        return;
      case 'K':
        this.rowsOf[this.row] = (this.rowsOf[this.row] as string[]).slice(0, this.col);
        return;
      case 'J':
        // From the cursor to the end of the screen (the only form the display sends).
        if (params !== '' && params !== '0') throw new Error(`unsupported erase ESC[${params}J`);
        this.rowsOf[this.row] = (this.rowsOf[this.row] as string[]).slice(0, this.col);
        this.rowsOf.length = this.row + 1;
        return;
      case 'm':
        return;
      default:
        throw new Error(`unsupported escape sequence ESC[${params}${final}`);
    }
  }
}
