#!/bin/bash

__natctl_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__natctl_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__natctl_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__natctl_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_natctl() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __natctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    probe|classify|punch|relay|portmap|trace|lab|help)
        # Offer subcommand argument completions
        "_natctl_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'probe classify punch relay portmap trace lab help' -- "${cur}"))
        ;;
    esac
}

_natctl_probe() {
    repeating_flags=()
    non_repeating_flags=(--insecure --json --version -h --help)
    repeating_options=(--server --require --transport --libp2p)
    non_repeating_options=(--family --enough --tls-port --ca --portmap --gateway --timeout --rto --max-transmissions)
    __natctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--server')
        return
        ;;
    '--family')
        __natctl_add_completions -W 'ipv4'$'\n''ipv6'
        return
        ;;
    '--require')
        __natctl_add_completions -W 'udp'$'\n''ipv4'$'\n''ipv6'$'\n''no-nat'$'\n''stable-mapping'$'\n''portmap'$'\n''tcp'$'\n''tls'
        return
        ;;
    '--enough')
        return
        ;;
    '--transport')
        __natctl_add_completions -W 'tcp'$'\n''tls'
        return
        ;;
    '--tls-port')
        return
        ;;
    '--ca')
        return
        ;;
    '--libp2p')
        return
        ;;
    '--portmap')
        __natctl_add_completions -W 'off'$'\n''ask'$'\n''map'
        return
        ;;
    '--gateway')
        return
        ;;
    '--timeout')
        return
        ;;
    '--rto')
        return
        ;;
    '--max-transmissions')
        return
        ;;
    esac
}

_natctl_classify() {
    repeating_flags=()
    non_repeating_flags=(--lifetime --dial-back --portmap --no-hairpin --verbose --json --version -h --help)
    repeating_options=(--server --expect --listen-port --autonat)
    non_repeating_options=(--family --port-samples --gateway --autonat-listen --autonat-threshold --timeout --transmissions)
    __natctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--server')
        return
        ;;
    '--family')
        __natctl_add_completions -W 'ipv4'$'\n''ipv6'
        return
        ;;
    '--expect')
        return
        ;;
    '--port-samples')
        return
        ;;
    '--listen-port')
        return
        ;;
    '--gateway')
        return
        ;;
    '--autonat')
        return
        ;;
    '--autonat-listen')
        return
        ;;
    '--autonat-threshold')
        return
        ;;
    '--timeout')
        return
        ;;
    '--transmissions')
        return
        ;;
    esac
}

_natctl_punch() {
    repeating_flags=()
    non_repeating_flags=(--insecure --no-relay --no-direct --portmap --stdio --restore --json --version -h --help)
    repeating_options=(--peer --endpoint --allowed-ip)
    non_repeating_options=(--server --code --bind --timeout --require --tls-port --ca --max-probes --proof --duration --keepalive --gateway --wireguard --peer-key --attempt-timeout --probe-ip --wg-control)
    __natctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--server')
        return
        ;;
    '--code')
        return
        ;;
    '--peer')
        return
        ;;
    '--bind')
        return
        ;;
    '--timeout')
        return
        ;;
    '--require')
        return
        ;;
    '--tls-port')
        return
        ;;
    '--ca')
        return
        ;;
    '--max-probes')
        return
        ;;
    '--proof')
        return
        ;;
    '--duration')
        return
        ;;
    '--keepalive')
        return
        ;;
    '--gateway')
        return
        ;;
    '--wireguard')
        return
        ;;
    '--peer-key')
        return
        ;;
    '--endpoint')
        return
        ;;
    '--attempt-timeout')
        return
        ;;
    '--probe-ip')
        return
        ;;
    '--allowed-ip')
        return
        ;;
    '--wg-control')
        return
        ;;
    esac
}

_natctl_relay() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __natctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    serve|test|connect)
        # Offer subcommand argument completions
        "_natctl_relay_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'serve test connect' -- "${cur}"))
        ;;
    esac
}

_natctl_relay_serve() {
    repeating_flags=()
    non_repeating_flags=(--json --use-auth-secret --no-auth --allow-loopback-peers --no-tcp --no-tls --version -h --help)
    repeating_options=(--user --static-auth-secret --denied-peer-ip --allowed-peer-ip)
    non_repeating_options=(--listen --alternate --software --duration --users-file --realm --relay-ip --min-port --max-port --max-allocate-lifetime --permission-lifetime --channel-lifetime --stale-nonce --user-quota --ip-quota --total-quota --max-permissions --max-channels --max-allocation-age --relay-threads --cert --pkey --tls-listening-port --stun-rate --rendezvous-rate --dial-back-rate --libp2p-listen --libp2p-identity --circuit-reservations --circuit-reservations-per-ip --circuit-reservation-ttl --circuits-per-peer --circuit-duration --circuit-bytes)
    __natctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--listen')
        return
        ;;
    '--alternate')
        return
        ;;
    '--software')
        return
        ;;
    '--duration')
        return
        ;;
    '--user')
        return
        ;;
    '--users-file')
        return
        ;;
    '--static-auth-secret')
        return
        ;;
    '--realm')
        return
        ;;
    '--relay-ip')
        return
        ;;
    '--min-port')
        return
        ;;
    '--max-port')
        return
        ;;
    '--max-allocate-lifetime')
        return
        ;;
    '--permission-lifetime')
        return
        ;;
    '--channel-lifetime')
        return
        ;;
    '--stale-nonce')
        return
        ;;
    '--user-quota')
        return
        ;;
    '--ip-quota')
        return
        ;;
    '--total-quota')
        return
        ;;
    '--max-permissions')
        return
        ;;
    '--max-channels')
        return
        ;;
    '--max-allocation-age')
        return
        ;;
    '--denied-peer-ip')
        return
        ;;
    '--allowed-peer-ip')
        return
        ;;
    '--relay-threads')
        return
        ;;
    '--cert')
        return
        ;;
    '--pkey')
        return
        ;;
    '--tls-listening-port')
        return
        ;;
    '--stun-rate')
        return
        ;;
    '--rendezvous-rate')
        return
        ;;
    '--dial-back-rate')
        return
        ;;
    '--libp2p-listen')
        return
        ;;
    '--libp2p-identity')
        return
        ;;
    '--circuit-reservations')
        return
        ;;
    '--circuit-reservations-per-ip')
        return
        ;;
    '--circuit-reservation-ttl')
        return
        ;;
    '--circuits-per-peer')
        return
        ;;
    '--circuit-duration')
        return
        ;;
    '--circuit-bytes')
        return
        ;;
    esac
}

_natctl_relay_test() {
    repeating_flags=()
    non_repeating_flags=(--insecure --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--server --user --password --auth-secret --transport --ca --peer --pings --count --size --rate --timeout)
    __natctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--server')
        return
        ;;
    '--user')
        return
        ;;
    '--password')
        return
        ;;
    '--auth-secret')
        return
        ;;
    '--transport')
        __natctl_add_completions -W 'udp'$'\n''tcp'$'\n''tls'
        return
        ;;
    '--ca')
        return
        ;;
    '--peer')
        return
        ;;
    '--pings')
        return
        ;;
    '--count')
        return
        ;;
    '--size')
        return
        ;;
    '--rate')
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_natctl_relay_connect() {
    repeating_flags=()
    non_repeating_flags=(--insecure --version -h --help)
    repeating_options=(--accept)
    non_repeating_options=(--server --user --password --auth-secret --transport --ca --peer --duration --linger --timeout)
    __natctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--server')
        return
        ;;
    '--user')
        return
        ;;
    '--password')
        return
        ;;
    '--auth-secret')
        return
        ;;
    '--transport')
        __natctl_add_completions -W 'udp'$'\n''tcp'$'\n''tls'
        return
        ;;
    '--ca')
        return
        ;;
    '--peer')
        return
        ;;
    '--accept')
        return
        ;;
    '--duration')
        return
        ;;
    '--linger')
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_natctl_portmap() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __natctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    add|delete|list)
        # Offer subcommand argument completions
        "_natctl_portmap_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'add delete list' -- "${cur}"))
        ;;
    esac
}

_natctl_portmap_add() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--port --transport --external-port --lifetime --duration --description --protocol --gateway --timeout)
    __natctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--port')
        return
        ;;
    '--transport')
        __natctl_add_completions -W 'udp'$'\n''tcp'
        return
        ;;
    '--external-port')
        return
        ;;
    '--lifetime')
        return
        ;;
    '--duration')
        return
        ;;
    '--description')
        return
        ;;
    '--protocol')
        return
        ;;
    '--gateway')
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_natctl_portmap_delete() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--port --transport --external-port --nonce --protocol --gateway --timeout)
    __natctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--port')
        return
        ;;
    '--transport')
        __natctl_add_completions -W 'udp'$'\n''tcp'
        return
        ;;
    '--external-port')
        return
        ;;
    '--nonce')
        return
        ;;
    '--protocol')
        return
        ;;
    '--gateway')
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_natctl_portmap_list() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--protocol --gateway --timeout)
    __natctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--protocol')
        return
        ;;
    '--gateway')
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_natctl_trace() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=(--local --interface)
    non_repeating_options=(--read --write --lab --filter --duration --packets --capture-limit)
    __natctl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--read')
        return
        ;;
    '--local')
        return
        ;;
    '--write')
        return
        ;;
    '--interface')
        return
        ;;
    '--lab')
        return
        ;;
    '--filter')
        return
        ;;
    '--duration')
        return
        ;;
    '--packets')
        return
        ;;
    '--capture-limit')
        return
        ;;
    esac
}

_natctl_lab() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __natctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    up|down|status|exec|list|verify)
        # Offer subcommand argument completions
        "_natctl_lab_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'up down status exec list verify' -- "${cur}"))
        ;;
    esac
}

_natctl_lab_up() {
    repeating_flags=()
    non_repeating_flags=(--ipv6 --replace --json --version -h --help)
    repeating_options=(--site --forward)
    non_repeating_options=(--loss --delay --jitter --name)
    __natctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--site')
        return
        ;;
    '--loss')
        return
        ;;
    '--delay')
        return
        ;;
    '--jitter')
        return
        ;;
    '--forward')
        return
        ;;
    '--name')
        return
        ;;
    esac
}

_natctl_lab_down() {
    repeating_flags=()
    non_repeating_flags=(--all --version -h --help)
    repeating_options=()
    non_repeating_options=(--name)
    __natctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--name')
        return
        ;;
    esac
}

_natctl_lab_status() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--name)
    __natctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--name')
        return
        ;;
    esac
}

_natctl_lab_exec() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--name)
    __natctl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--name')
        return
        ;;
    esac
}

_natctl_lab_list() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __natctl_offer_flags_options 0
}

_natctl_lab_verify() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--name)
    __natctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--name')
        return
        ;;
    esac
}

_natctl_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __natctl_offer_flags_options -1
}

complete -o filenames -F _natctl natctl
