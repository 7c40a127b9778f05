"""A child answers three requests over a duplex Pipe."""
from multiprocessing import Pipe, Process


def echo(conn):
    while True:
        message = conn.recv()
        if message is None:
            break
        conn.send(message.upper())
    conn.close()


if __name__ == "__main__":
    parent_end, child_end = Pipe()
    child = Process(target=echo, args=(child_end,))
    child.start()
    for word in ["alpha", "beta", "gamma"]:
        parent_end.send(word)
        print(parent_end.recv())
    parent_end.send(None)
    child.join()
