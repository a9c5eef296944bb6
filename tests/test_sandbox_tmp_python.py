"""A Python installed under /tmp (a throwaway virtualenv) stays visible inside the sandbox,
whose own /tmp is an empty tmpfs: CI's wheel smoke test runs code tasks from such a venv."""

from rlvr.sandbox import isolation


def test_a_python_under_tmp_is_bound_back_read_only(monkeypatch):
    monkeypatch.setattr(isolation, "python_prefixes", lambda: ["/usr", "/tmp/rlvr-wheel.abc/venv"])
    args = isolation.bwrap_args(as_root=True)
    tmpfs = args.index("/tmp", args.index("--tmpfs"))
    bound = args.index("--ro-bind", tmpfs)
    assert args[bound : bound + 3] == ["--ro-bind", "/tmp/rlvr-wheel.abc/venv", "/tmp/rlvr-wheel.abc/venv"]
    assert ["--perms", "0755", "--dir", "/tmp/rlvr-wheel.abc"] == args[tmpfs + 1 : tmpfs + 5]
    assert "/usr" not in args[tmpfs:]
