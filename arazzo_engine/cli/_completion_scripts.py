"""The bash, zsh and fish completion scripts, written from a ``CommandSpec``.

Each script holds the subcommands, flags and fixed choices itself and calls
``arazzo __complete KIND CURRENT WORD...`` only for workflow ids, input names and source names,
which it finds in the document already on the command line. The program is called by the
name the user typed (``.venv/bin/arazzo`` works as well as ``arazzo``).
"""

from __future__ import annotations

from collections.abc import Callable

from arazzo_engine._version import __version__
from arazzo_engine.cli._completion import CommandSpec, OptionSpec

__all__ = ["SHELLS", "script"]

_DYNAMIC = ("workflows", "inputs", "sources")


def script(shell: str, root: CommandSpec) -> str:
    return _WRITERS[shell](root)


# bash ------------------------------------------------------------------------------------

_BASH_MAIN = r'''
_arazzo() {
    # The words are split at blanks from the line up to the cursor, so NAME=VALUE and
    # --flag=value stay whole (bash's own COMP_WORDS are broken at '=' and ':').
    local line="${COMP_LINE:0:COMP_POINT}" words=() cur path="" word kind="" flag="" prefix=""
    local i npos=0
    read -ra words <<< "$line"
    [[ $line =~ [[:space:]]$ ]] && words+=("")
    cur="${words[${#words[@]}-1]}"
    for ((i = 1; i < ${#words[@]} - 1; i++)); do
        word="${words[i]}"
        if [[ $word == -?* ]]; then
            kind="$(_arazzo_value "$path" "${word%%=*}")"
            [[ -n $kind && $word != *=* ]] && ((i++))
        elif ((npos == 0)) && [[ " $(_arazzo_subcommands "$path") " == *" $word "* ]]; then
            path="${path:+$path }$word"
        else
            ((npos++))
        fi
    done
    local before="${words[${#words[@]}-2]}"
    if [[ $cur == --*=* ]]; then
        flag="${cur%%=*}" prefix="${cur%%=*}=" cur="${cur#*=}"
    elif ((${#words[@]} > 2)) && [[ $before == -?* && $before != *=* ]]; then
        flag="$before"
    fi
    kind=""
    [[ -n $flag ]] && kind="$(_arazzo_value "$path" "$flag")"
    if [[ -n $kind ]]; then
        _arazzo_values "$kind" "${words[@]:1:${#words[@]}-2}"
    elif [[ $cur == -* ]]; then
        _arazzo_reply $(compgen -W "$(_arazzo_options "$path")" -- "$cur")
    elif ((npos == 0)) && [[ -n $(_arazzo_subcommands "$path") ]]; then
        _arazzo_reply $(compgen -W "$(_arazzo_subcommands "$path")" -- "$cur")
    else
        _arazzo_values "$(_arazzo_positional "$path")"
    fi
}

_arazzo_values() {  # $1: how the value completes; then the words before the cursor
    local kind="$1" IFS=$'\n' found=() item
    shift
    case "$kind" in
        files) compopt -o filenames 2>/dev/null; found=($(compgen -f -- "$cur")) ;;
        dirs) compopt -o filenames 2>/dev/null; found=($(compgen -d -- "$cur")) ;;
        choices:*) found=($(IFS=' '; compgen -W "${kind#choices:}" -- "$cur")) ;;
        workflows|inputs|sources)
            for item in $("${COMP_WORDS[0]}" __complete "$kind" "$cur" "$@" 2>/dev/null); do
                found+=("${item%%$'\t'*}")
            done
            [[ ${found[0]} == *= ]] && compopt -o nospace 2>/dev/null ;;
    esac
    _arazzo_reply "${found[@]/#/$prefix}"
}

# Replies are for the whole word; bash replaces only the part after its last '=' or ':'
# (and when the cursor is right after one, its COMP_WORDS entry is that character alone).
_arazzo_reply() {
    local typed="${COMP_WORDS[COMP_CWORD]}" full="${COMP_LINE:0:COMP_POINT}" reply keep
    full="${full##*[[:space:]]}"
    [[ $typed == [=:] ]] && typed=""
    keep="${full%"$typed"}"
    COMPREPLY=()
    for reply in "$@"; do
        COMPREPLY+=("${reply#"$keep"}")
    done
}

complete -F _arazzo arazzo
'''


def _bash(root: CommandSpec) -> str:
    commands = root.walk()
    lines = [
        f"# bash completion for arazzo, written by `arazzo completion bash` "
        f"(arazzo-engine {__version__}).",
        "# Install: arazzo completion bash > ~/.local/share/bash-completion/completions/arazzo",
        "#      or: echo 'eval \"$(arazzo completion bash)\"' >> ~/.bashrc",
        "",
        "_arazzo_subcommands() {  # $1: the subcommand path so far",
        '    case "$1" in',
    ]
    lines += [f'        "{c.name}") echo "{" ".join(s.path[-1] for s in c.subcommands)}" ;;'
              for c in commands if c.subcommands]
    lines += ["    esac", "}", "", "_arazzo_options() {", '    case "$1" in']
    lines += [f'        "{c.name}") echo "{" ".join(f for o in c.options for f in o.flags)}" ;;'
              for c in commands]
    lines += ["    esac", "}", "",
              "_arazzo_value() {  # $1: path, $2: flag; prints how its value completes",
              '    case "$1|$2" in']
    for command in commands:
        for option in command.options:
            if option.value is None:
                continue
            kind = (f"choices:{' '.join(option.choices)}" if option.value == "choices"
                    else option.value)
            patterns = " | ".join(f'"{command.name}|{flag}"' for flag in option.flags)
            lines.append(f'        {patterns}) echo "{kind}" ;;')
    lines += ["    esac", "}", "", "_arazzo_positional() {", '    case "$1" in']
    lines += [f'        "{c.name}") echo "{c.positionals[0]}" ;;' for c in commands
              if c.positionals]
    lines += ["    esac", "}"]
    return "\n".join(lines) + "\n" + _BASH_MAIN


# zsh -------------------------------------------------------------------------------------

_ZSH_HEAD = r'''#compdef arazzo
# zsh completion for arazzo, written by `arazzo completion zsh` (arazzo-engine {version}).
# Install: arazzo completion zsh > "${{fpath[1]}}/_arazzo"  (then start a new zsh)
#      or, in ~/.zshrc after compinit: eval "$(arazzo completion zsh)"

_arazzo() {{
    typeset -g _arazzo_program="$words[1]"
    typeset -ga _arazzo_words
    _arazzo_words=("${{(@)words[2,CURRENT-1]}}")
    _arazzo_at ""
}}

# Values only the document knows: `arazzo __complete KIND CURRENT WORD...`.
_arazzo_dynamic() {{
    local -a items answers
    local entry value text
    answers=("${{(@f)$("$_arazzo_program" __complete "$1" "$PREFIX" "${{_arazzo_words[@]}}" \
        2>/dev/null)}}")
    for entry in $answers; do
        [[ -z $entry ]] && continue
        value="${{entry%%$'\t'*}}" text="${{entry#*$'\t'}}"
        items+=("${{value//:/\\:}}:$text")
    done
    if [[ $1 == workflows ]]; then
        _describe -t "$1" "$1" items
    else
        _describe -t "$1" "$1" items -S ''
    fi
}}
'''

_ZSH_TAIL = r'''
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _arazzo "$@"
else
    compdef _arazzo arazzo
fi
'''


def _zsh(root: CommandSpec) -> str:
    lines = [_ZSH_HEAD.format(version=__version__),
             "_arazzo_at() {  # $1: the subcommand path so far",
             '    local curcontext="$curcontext" state line',
             '    case "$1" in']
    for command in root.walk():
        specs = [spec for option in command.options for spec in _zsh_option(option)]
        if command.subcommands:
            specs += [f"'1: :_arazzo_commands_{_ident(command)}'", "'*:: :->rest'"]
        else:
            for index, kind in enumerate(command.positionals):
                many = command.many and index == len(command.positionals) - 1
                position = "*" if many else str(index + 1)
                message = {"files": "file", "dirs": "folder"}.get(kind, "value")
                specs.append(f"'{position}:{message}:{_zsh_action(kind, ())}'")
        lines.append(f'        "{command.name}")')
        lines.append("            _arguments -s -S -C \\")
        lines += [f"                {spec} \\" for spec in specs[:-1]]
        lines.append(f"                {specs[-1]} && return")
        if command.subcommands:
            prefix = f"{command.name} " if command.name else ""
            lines.append(f'            [[ $state == rest ]] && _arazzo_at "{prefix}$line[1]"')
        lines.append("            ;;")
    lines += ["    esac", "}", ""]
    for command in root.walk():
        if not command.subcommands:
            continue
        lines.append(f"_arazzo_commands_{_ident(command)}() {{")
        lines.append("    local -a commands")
        lines.append("    commands=(")
        lines += [f"        {_zsh_quote(sub.path[-1] + ':' + sub.help)}"
                  for sub in command.subcommands]
        lines.append("    )")
        lines.append("    _describe -t commands 'arazzo command' commands")
        lines.append("}")
        lines.append("")
    return "\n".join(lines) + _ZSH_TAIL


def _zsh_option(option: OptionSpec) -> list[str]:
    help_text = (option.help.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
                 .replace(":", "\\:"))
    exclusive = f"({' '.join(option.flags)})" if len(option.flags) > 1 else ""
    repeat = "*" if option.repeatable else ""
    if option.value is None:
        suffix = f"[{help_text}]"
    else:
        suffix = (f"=[{help_text}]:{_zsh_message(option.metavar or option.value)}:"
                  f"{_zsh_action(option.value, option.choices)}")
    if len(option.flags) == 1:
        return [_zsh_quote(f"{repeat}{exclusive}{option.flags[0]}{suffix}")]
    flags = ",".join(option.flags)
    # '(-h --help)'{-h,--help}'[help]': zsh brace expansion writes one spec per flag.
    if option.value is None:
        return [f"{_zsh_quote(repeat + exclusive)}{{{flags}}}{_zsh_quote(suffix)}"]
    return [_zsh_quote(f"{repeat}{exclusive}{flag}{suffix}") for flag in option.flags]


def _zsh_message(text: str) -> str:
    return text.replace(":", "\\:").replace("[", "").replace("]", "")


def _zsh_action(kind: str, choices: tuple[str, ...]) -> str:
    if kind == "files":
        return "_files"
    if kind == "dirs":
        return "_files -/"
    if kind == "choices":
        return f"({' '.join(choices)})"
    if kind in _DYNAMIC:
        return f"{{_arazzo_dynamic {kind}}}"
    return " "


def _zsh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _ident(command: CommandSpec) -> str:
    return "_".join(command.path) or "root"


# fish ------------------------------------------------------------------------------------

_FISH_HEAD = r'''# fish completion for arazzo, written by `arazzo completion fish`
# (arazzo-engine {version}).
# Install: arazzo completion fish > ~/.config/fish/completions/arazzo.fish

function __arazzo_path --description 'the arazzo subcommand path of the command line'
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l path ''
    set -l skip 0
    set -l positionals 0
    for token in $tokens
        if test $skip -eq 1
            set skip 0
            continue
        end
        if string match -q -- '-?*' $token
            if not string match -q -- '*=*' $token; and __arazzo_takes_value "$path" $token
                set skip 1
            end
        else if test $positionals -eq 0; and contains -- $token (__arazzo_subcommands "$path")
            set path (string trim -- "$path $token")
        else
            set positionals (math $positionals + 1)
        end
    end
    echo $path
end

function __arazzo_at --description 'true when the command line is at this subcommand path'
    test (__arazzo_path) = "$argv[1]"
end

function __arazzo_dynamic --description 'values only the document knows'
    set -l tokens (commandline -opc)
    set -l current (string replace -r -- '^--[^=]*=' '' (commandline -ct))
    $tokens[1] __complete $argv[1] "$current" $tokens[2..-1] 2>/dev/null
end
'''


def _fish(root: CommandSpec) -> str:
    commands = root.walk()
    lines = [_FISH_HEAD.format(version=__version__),
             "function __arazzo_subcommands", '    switch "$argv[1]"']
    for command in commands:
        if command.subcommands:
            lines.append(f"        case {_fish_quote(command.name)}")
            lines += [f"            echo {sub.path[-1]}" for sub in command.subcommands]
    lines += ["    end", "end", "", "function __arazzo_takes_value",
              '    switch "$argv[1]|$argv[2]"']
    takes = [f"{command.name}|{flag}" for command in commands for option in command.options
             if option.value is not None for flag in option.flags]
    if takes:
        lines.append("        case " + " ".join(_fish_quote(t) for t in takes))
        lines.append("            return 0")
    lines += ["    end", "    return 1", "end", "", "complete -c arazzo -f"]
    for command in commands:
        at = f"-n {_fish_quote('__arazzo_at ' + _fish_quote(command.name))}"
        for sub in command.subcommands:
            lines.append(f"complete -c arazzo {at} -a {sub.path[-1]} "
                         f"-d {_fish_quote(sub.help)}")
        for option in command.options:
            lines.append(f"complete -c arazzo {at} {_fish_option(option)}")
        if command.positionals and not command.subcommands:
            kind = command.positionals[0]
            if kind == "files":
                lines.append(f"complete -c arazzo {at} -F")
            elif kind == "dirs":
                lines.append(f"complete -c arazzo {at} -a '(__fish_complete_directories)'")
    return "\n".join(lines) + "\n"


def _fish_option(option: OptionSpec) -> str:
    parts = []
    for flag in option.flags:
        parts.append(f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}")
    if option.value == "files":
        parts.append("-r -F")
    elif option.value == "dirs":
        parts.append("-x -a '(__fish_complete_directories)'")
    elif option.value == "choices":
        parts.append(f"-x -a {_fish_quote(' '.join(option.choices))}")
    elif option.value in _DYNAMIC:
        parts.append(f"-x -a '(__arazzo_dynamic {option.value})'")
    elif option.value is not None:
        parts.append("-x")
    parts.append(f"-d {_fish_quote(option.help)}")
    return " ".join(parts)


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


_WRITERS: dict[str, Callable[[CommandSpec], str]] = {"bash": _bash, "zsh": _zsh, "fish": _fish}
SHELLS = tuple(_WRITERS)
