// Scripts the VS Code tests write into their workspace (no vscode import: used on both sides).

/** Starts a process that starts another; all three sleep until killed. */
export const HANGING_SCRIPT = `import multiprocessing as mp
import time


def sleeper():
    time.sleep(3600)


def middle():
    child = mp.Process(target=sleeper)
    child.start()
    child.join()


if __name__ == "__main__":
    p = mp.Process(target=middle)
    p.start()
    p.join()
`;

/** Writes one line typed in the terminal to echoed.txt. */
export const ECHO_INPUT_SCRIPT = `line = input()
with open("echoed.txt", "w") as f:
    f.write(line)
`;

/** Does not compile. */
export const SYNTAX_ERROR_SCRIPT = 'def broken(:\n    pass\n';
