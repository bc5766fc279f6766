"""Loop detection over a rule set, without the ORM.

A rule is a node. Rule A points to rule B when one of A's actions produces
the event that triggers B (A moves to column "Won", B fires on entering
"Won"). A cycle in that graph is a rule set that would feed itself.
"""


def find_cycle(edges, start=None):
    """Return one cycle of ``edges`` as a list of nodes, or an empty list.

    :param dict edges: node -> iterable of successor nodes
    :param start: look only for a cycle through this node when given
    :return: ``[a, b, c, a]`` for the cycle a -> b -> c -> a
    """
    roots = [start] if start is not None else list(edges)
    for root in roots:
        path = _cycle_from(edges, root, start is not None)
        if path:
            return path
    return []


def _cycle_from(edges, root, through_root):
    # iterative depth-first search; a node seen on the current path closes a loop
    path, on_path, done = [root], {root}, set()
    stack = [iter(sorted(edges.get(root, ())))]
    while stack:
        successor = next(stack[-1], None)
        if successor is None:
            stack.pop()
            done.add(path[-1])
            on_path.discard(path.pop())
            continue
        if successor in on_path:
            if through_root and successor != root:
                continue
            return path[path.index(successor) :] + [successor]
        if successor in done:
            continue
        path.append(successor)
        on_path.add(successor)
        stack.append(iter(sorted(edges.get(successor, ()))))
    return []
