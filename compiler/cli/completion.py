"""Print a shell completion script for bash, zsh or fish, generated from the argument parser.

``eval "$(wavec completion bash)"`` in ``~/.bashrc`` (zsh: ``eval "$(wavec completion zsh)"`` after
``compinit``; fish: ``wavec completion fish > ~/.config/fish/completions/wavec.fish``). Commands, their
options and the values of options with a fixed set of choices all come from the parser every command
configures, so a new option completes without anyone editing a list.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..records import field, record
from .app import build_parser
from .common import write

SHELLS = ("bash", "zsh", "fish")


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``wavec completion``."""
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")


@record(frozen=False)
class Command:
    """What completes after one command (the top level is the command ``""``)."""

    name: str
    help: str
    options: list[tuple[list[str], str]] = field(default_factory=list)
    """Every option's spellings with its help."""
    values: dict[str, list[str]] = field(default_factory=dict)
    """Option spelling → the values it takes (its ``choices``)."""
    takes_path: set[str] = field(default_factory=set)
    """Options followed by a path (their ``type`` is ``Path``): file names complete after them."""
    takes_value: set[str] = field(default_factory=set)
    """Options followed by some other free value (codes, a name, a time): nothing completes after them."""
    words: list[str] = field(default_factory=list)
    """Fixed words for positionals with choices (``wavec completion SHELL``)."""
    files: bool = False
    """Whether a positional takes free text (a file or folder): complete file names."""


def commands(parser: argparse.ArgumentParser) -> list[Command]:
    """The top level and every command, read from ``parser`` (built with every command configured)."""
    top = Command("", parser.description or "")
    out = [top]
    _read(parser, top)
    for action in parser._actions:  # argparse keeps sub-commands only here
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                command = Command(name, helps.get(name, ""))
                _read(sub, command)
                out.append(command)
                top.words.append(name)
    return out


def _read(parser: argparse.ArgumentParser, command: Command) -> None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        if action.option_strings:
            if action.help == argparse.SUPPRESS:
                continue
            command.options.append((list(action.option_strings), action.help or ""))
            if action.nargs != 0:
                if action.choices is not None:
                    for o in action.option_strings:
                        command.values[o] = [str(c) for c in action.choices]
                elif action.type is Path:
                    command.takes_path.update(action.option_strings)
                else:
                    command.takes_value.update(action.option_strings)
        elif action.choices is not None:
            command.words += [str(c) for c in action.choices]
        else:
            command.files = True


def _sq(text: str) -> str:
    """``text`` in single quotes for bash, zsh and fish (``'`` written as ``'\\''``)."""
    return "'" + text.replace("'", "'\\''") + "'"


def _help(cmds: list[Command], name: str) -> str:
    """The one-line help of command ``name``."""
    return next((c.help for c in cmds if c.name == name), "")


def bash(cmds: list[Command]) -> str:
    """A bash completion function (``complete -F``)."""
    lines = [
        "# wavec completion for bash: eval \"$(wavec completion bash)\"",
        "_wavec() {",
        "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" cmd=\"\" i",
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        "        case \"${COMP_WORDS[i]}\" in -*) ;; *) cmd=\"${COMP_WORDS[i]}\"; break ;; esac",
        "    done",
        "    local opts=\"\" words=\"\" files=0",
        "    case \"$cmd\" in",
    ]
    for c in cmds:
        lines.append(f"        {_sq(c.name)})")
        if c.values or c.takes_path or c.takes_value:
            lines.append("            case \"$prev\" in")
            for option, values in sorted(c.values.items()):
                lines.append(f"                {_sq(option)}) COMPREPLY=($(compgen -W {_sq(' '.join(values))} "
                             "-- \"$cur\")); return ;;")
            if c.takes_path:
                alternatives = "|".join(_sq(o) for o in sorted(c.takes_path))
                lines.append(f"                {alternatives}) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;")
            if c.takes_value:
                alternatives = "|".join(_sq(o) for o in sorted(c.takes_value))
                lines.append(f"                {alternatives}) COMPREPLY=(); return ;;")
            lines.append("            esac")
        lines.append(f"            opts={_sq(' '.join(o for spellings, _ in c.options for o in spellings))}")
        lines.append(f"            words={_sq(' '.join(c.words))}; files={int(c.files)} ;;")
    lines += [
        "        *) files=1 ;;",
        "    esac",
        "    if [[ \"$cur\" == -* ]]; then",
        "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))",
        "    else",
        "        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))",
        "        if ((files)); then COMPREPLY+=($(compgen -f -- \"$cur\")); fi",
        "    fi",
        "}",
        "complete -o filenames -F _wavec wavec",
    ]
    return "\n".join(lines) + "\n"


def zsh(cmds: list[Command]) -> str:
    """A zsh completion function (for ``fpath`` as ``_wavec``, or ``eval``-ed after ``compinit``)."""
    lines = [
        "#compdef wavec",
        "# wavec completion for zsh: eval \"$(wavec completion zsh)\" after compinit",
        "_wavec() {",
        "    local cmd=\"\" i cur=\"${words[CURRENT]}\" prev=\"${words[CURRENT-1]}\"",
        "    for ((i = 2; i < CURRENT; i++)); do",
        "        if [[ \"${words[i]}\" != -* ]]; then cmd=\"${words[i]}\"; break; fi",
        "    done",
        "    case \"$cmd\" in",
    ]
    for c in cmds:
        lines.append(f"        {_sq(c.name)})")
        if c.values or c.takes_path or c.takes_value:
            lines.append("            case \"$prev\" in")
            for option, values in sorted(c.values.items()):
                lines.append(f"                {_sq(option)}) compadd -- {' '.join(_sq(v) for v in values)}; "
                             "return ;;")
            if c.takes_path:
                alternatives = "|".join(_sq(o) for o in sorted(c.takes_path))
                lines.append(f"                {alternatives}) _files; return ;;")
            if c.takes_value:
                alternatives = "|".join(_sq(o) for o in sorted(c.takes_value))
                lines.append(f"                {alternatives}) return ;;")
            lines.append("            esac")
        spellings = " ".join(_sq(o) for s, _ in c.options for o in s)
        lines.append(f"            if [[ \"$cur\" == -* ]]; then compadd -- {spellings}; return; fi")
        if c.words and not c.name:
            described = " ".join(_sq(w + ":" + _help(cmds, w).replace(":", "\\:")) for w in c.words)
            lines.append(f"            local -a choices=({described})")
            lines.append("            _describe 'command' choices")
        elif c.words:
            lines.append(f"            compadd -- {' '.join(_sq(w) for w in c.words)}")
        if c.files:
            lines.append("            _files")
        lines.append("            ;;")
    lines += [
        "    esac",
        "}",
        "if [[ \"${zsh_eval_context[-1]}\" == loadautofunc ]]; then _wavec \"$@\"; else compdef _wavec wavec; fi",
    ]
    return "\n".join(lines) + "\n"


def fish(cmds: list[Command]) -> str:
    """``complete`` commands for fish."""
    lines = ["# wavec completion for fish: wavec completion fish > ~/.config/fish/completions/wavec.fish",
             "complete -c wavec -f"]
    for c in cmds:
        cond = "__fish_use_subcommand" if not c.name else f"__fish_seen_subcommand_from {c.name}"
        if not c.name:
            for w in c.words:
                lines.append(f"complete -c wavec -n {_sq(cond)} -a {_sq(w)} -d {_sq(_help(cmds, w))}")
        elif c.words:
            lines.append(f"complete -c wavec -n {_sq(cond)} -a {_sq(' '.join(c.words))}")
        if c.files:
            lines.append(f"complete -c wavec -n {_sq(cond)} -F")
        for spellings, h in c.options:
            flags = []
            for o in spellings:
                flags.append(f"-l {o[2:]}" if o.startswith("--") else f"-s {o[1:]}")
            value = c.values.get(spellings[0])
            if value is not None:
                flags.append(f"-x -a {_sq(' '.join(value))}")
            elif spellings[0] in c.takes_path:
                flags.append("-r -F")
            elif spellings[0] in c.takes_value:
                flags.append("-x")
            lines.append(f"complete -c wavec -n {_sq(cond)} {' '.join(flags)} -d {_sq(h.splitlines()[0] if h else '')}")
    return "\n".join(lines) + "\n"


def script(shell: str) -> str:
    """The completion script for ``shell``, from the parser with every command configured."""
    cmds = commands(build_parser(every=True))
    return {"bash": bash, "zsh": zsh, "fish": fish}[shell](cmds)


def run(args: argparse.Namespace) -> int:
    """Print the script."""
    write(script(args.shell))
    return 0
