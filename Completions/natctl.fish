function __natctl_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __natctl_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __natctl_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __natctl_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __natctl_parse_tokens -S
    set -l unparsed_tokens (__natctl_tokens -pc)
    switch $unparsed_tokens[1]
    case 'natctl'
        __natctl_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'probe'
            __natctl_parse_subcommand 0 'server=+' 'family=' 'require=+' 'enough=' 'transport=+' 'tls-port=' 'ca=' 'insecure' 'libp2p=+' 'portmap=' 'gateway=' 'timeout=' 'rto=' 'max-transmissions=' 'json' 'version' 'h/help'
        case 'classify'
            __natctl_parse_subcommand 0 'server=+' 'family=' 'expect=+' 'port-samples=' 'lifetime' 'dial-back' 'listen-port=+' 'portmap' 'gateway=' 'autonat=+' 'autonat-listen=' 'autonat-threshold=' 'no-hairpin' 'timeout=' 'transmissions=' 'verbose' 'json' 'version' 'h/help'
        case 'punch'
            __natctl_parse_subcommand 0 'server=' 'code=' 'peer=+' 'bind=' 'timeout=' 'require=' 'tls-port=' 'ca=' 'insecure' 'max-probes=' 'proof=' 'duration=' 'keepalive=' 'no-relay' 'no-direct' 'portmap' 'gateway=' 'stdio' 'wireguard=' 'peer-key=' 'endpoint=+' 'attempt-timeout=' 'restore' 'probe-ip=' 'allowed-ip=+' 'wg-control=' 'json' 'version' 'h/help'
        case 'relay'
            __natctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'serve'
                __natctl_parse_subcommand 0 'listen=' 'alternate=' 'software=' 'duration=' 'json' 'user=+' 'users-file=' 'static-auth-secret=+' 'use-auth-secret' 'realm=' 'no-auth' 'relay-ip=' 'min-port=' 'max-port=' 'max-allocate-lifetime=' 'permission-lifetime=' 'channel-lifetime=' 'stale-nonce=' 'user-quota=' 'ip-quota=' 'total-quota=' 'max-permissions=' 'max-channels=' 'max-allocation-age=' 'denied-peer-ip=+' 'allowed-peer-ip=+' 'allow-loopback-peers' 'relay-threads=' 'no-tcp' 'cert=' 'pkey=' 'tls-listening-port=' 'no-tls' 'stun-rate=' 'rendezvous-rate=' 'dial-back-rate=' 'libp2p-listen=' 'libp2p-identity=' 'circuit-reservations=' 'circuit-reservations-per-ip=' 'circuit-reservation-ttl=' 'circuits-per-peer=' 'circuit-duration=' 'circuit-bytes=' 'version' 'h/help'
            case 'test'
                __natctl_parse_subcommand 0 'server=' 'user=' 'password=' 'auth-secret=' 'transport=' 'ca=' 'insecure' 'peer=' 'pings=' 'count=' 'size=' 'rate=' 'timeout=' 'json' 'version' 'h/help'
            case 'connect'
                __natctl_parse_subcommand 0 'server=' 'user=' 'password=' 'auth-secret=' 'transport=' 'ca=' 'insecure' 'peer=' 'accept=+' 'duration=' 'linger=' 'timeout=' 'version' 'h/help'
            end
        case 'portmap'
            __natctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __natctl_parse_subcommand 0 'port=' 'transport=' 'external-port=' 'lifetime=' 'duration=' 'description=' 'protocol=' 'gateway=' 'timeout=' 'json' 'version' 'h/help'
            case 'delete'
                __natctl_parse_subcommand 0 'port=' 'transport=' 'external-port=' 'nonce=' 'protocol=' 'gateway=' 'timeout=' 'json' 'version' 'h/help'
            case 'list'
                __natctl_parse_subcommand 0 'protocol=' 'gateway=' 'timeout=' 'json' 'version' 'h/help'
            end
        case 'trace'
            __natctl_parse_subcommand -r 1 'read=' 'local=+' 'write=' 'interface=+' 'lab=' 'filter=' 'duration=' 'packets=' 'capture-limit=' 'json' 'version' 'h/help'
        case 'lab'
            __natctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'up'
                __natctl_parse_subcommand 0 'site=+' 'loss=' 'delay=' 'jitter=' 'forward=+' 'ipv6' 'replace' 'name=' 'json' 'version' 'h/help'
            case 'down'
                __natctl_parse_subcommand 0 'all' 'name=' 'version' 'h/help'
            case 'status'
                __natctl_parse_subcommand 0 'name=' 'json' 'version' 'h/help'
            case 'exec'
                __natctl_parse_subcommand -r 2 'name=' 'version' 'h/help'
            case 'list'
                __natctl_parse_subcommand 0 'json' 'version' 'h/help'
            case 'verify'
                __natctl_parse_subcommand 0 'name=' 'json' 'version' 'h/help'
            end
        case 'help'
            __natctl_parse_subcommand -r 1 'version'
        end
    end
end

function __natctl_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __natctl_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __natctl_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __natctl_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__natctl_tokens -p)
    if test -z "$(__natctl_tokens -t)"
        set -l index (count (__natctl_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'natctl' -f
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl" -eq 1' -fa 'probe' -d 'Ask STUN servers what address they see, over IPv4 and IPv6, and what that says about the NAT.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl" -eq 1' -fa 'classify' -d 'Tell what the NAT does: mapping, filtering, port allocation, hairpinning (RFC 5780).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl" -eq 1' -fa 'punch' -d 'Connect two hosts behind NATs: rendezvous by a short code, punch a direct UDP path, or fall back to the relay.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl" -eq 1' -fa 'relay' -d 'Run natctl\'s helper server (STUN, RFC 5780, TURN), or use a TURN relay.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl" -eq 1' -fa 'portmap' -d 'Map a port through the gateway with UPnP IGD, NAT-PMP or PCP; renew it, delete it, list mappings.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl" -eq 1' -fa 'trace' -d 'Capture an operation\'s packets with libpcap (or read a capture) and explain what happened on the wire.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl" -eq 1' -fa 'lab' -d 'Build emulated networks of real Linux NATs (network namespaces + nftables) and run commands in them.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe"' -l 'server' -d 'STUN server as host:port or [v6]:port (repeatable).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe" family' -l 'family' -d 'Only this IP family (ipv4 or ipv6); both by default.' -rfka 'ipv4 ipv6'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe"' -l 'require' -d 'Exit 1 unless this holds, 2 when it could not be checked: udp, ipv4, ipv6, no-nat, stable-mapping, portmap, tcp, tls (repeatable).' -rfka 'udp ipv4 ipv6 no-nat stable-mapping portmap tcp tls'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe" enough' -l 'enough' -d 'Stop early once this many servers answered per family.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe"' -l 'transport' -d 'Also try each server over TCP (its port) or TLS (--tls-port), repeatable; UDP is always probed.' -rfka 'tcp tls'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe" tls-port' -l 'tls-port' -d 'The servers\' TLS port for --transport tls.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe" ca' -l 'ca' -d 'For TLS to the server: trust the CA certificates in this PEM file (default: the system\'s).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe" insecure' -l 'insecure' -d 'For TLS to the server: accept any certificate (labs with self-signed servers; reported as tls-insecure).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe"' -l 'libp2p' -d 'Also dial this libp2p node over TCP (Noise, yamux) and ask it to identify itself and where it sees us (repeatable).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe" portmap' -l 'portmap' -d 'Ask the gateway about UPnP, NAT-PMP and PCP: ask (creates nothing), map (also a 60 s test mapping, deleted at once), off. Default: NATCTL_PORTMAP, else ask.' -rfka 'off ask map'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe" gateway' -l 'gateway' -d 'The gateway to ask (IPv4); default: the default route\'s.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe" timeout' -l 'timeout' -d 'Upper bound on the whole command, in seconds.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe" rto' -l 'rto' -d 'Initial retransmission timeout, in milliseconds (doubles on each retry).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe" max-transmissions' -l 'max-transmissions' -d 'Times each request is sent before giving up (RFC 8489\'s Rc).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe" json' -l 'json' -d 'Print one JSON document on stdout instead of text (see docs/json.md).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl probe" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify"' -l 'server' -d 'STUN server as host:port or [v6]:port (repeatable; all are used).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify" family' -l 'family' -d 'IP family to classify (ipv4 or ipv6); by default the first server\'s.' -rfka 'ipv4 ipv6'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify"' -l 'expect' -d 'Exit 1 unless the verdict has this value (repeatable): filtering=eif|endpoint-independent|adf|address-dependent|apdf|address-and-port-dependent; hairpin=yes|no; mapping=eim|endpoint-independent|adm|address-dependent|apdm|address-and-port-dependent|edm|endpoint-dependent; nat=yes|no; ports=preserved|sequential|random; punching=not-needed|easy|order-sensitive|predictable|hard|impossible; reachability=public|private|unknown; rfc3489=open-internet|symmetric-udp-firewall|full-cone|restricted-cone|port-restricted-cone|symmetric|none|udp-blocked; udp=yes|no.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify" port-samples' -l 'port-samples' -d 'Fresh sockets used to sample the NAT\'s port allocation.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify" lifetime' -l 'lifetime' -d 'Also measure how long an idle UDP mapping lives (RFC 5780 §4.6), within --timeout; give it time, e.g. --timeout 90.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify" dial-back' -l 'dial-back' -d 'Ask the server to dial back a listen port over UDP and TCP (AutoNAT-style reachability).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify"' -l 'listen-port' -d 'Local port to test by dial-back (repeatable; implies --dial-back; a free port by default).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify" portmap' -l 'portmap' -d 'With --dial-back: map each listen port through the gateway (PCP, NAT-PMP or UPnP) and have the server dial the mapping; deleted afterwards.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify" gateway' -l 'gateway' -d 'With --portmap: the gateway to ask (IPv4); default: the default route\'s.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify"' -l 'autonat' -d 'Also ask this libp2p node\'s AutoNAT service (v2 or v1) to dial this host back over TCP (repeatable).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify" autonat-listen' -l 'autonat-listen' -d 'Where to listen for AutoNAT dial-backs (port 0: any free port).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify" autonat-threshold' -l 'autonat-threshold' -d 'Nodes that must agree for an overall public or private (the spec: more than 3).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify" no-hairpin' -l 'no-hairpin' -d 'Skip the hairpinning test.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify" timeout' -l 'timeout' -d 'Upper bound on the whole command, in seconds.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify" transmissions' -l 'transmissions' -d 'Times a request is sent before its missing answer counts as \'no answer\'.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify" verbose' -l 'verbose' -d 'Print each test\'s progress on stderr, with milliseconds since the start.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify" json' -l 'json' -d 'Print one JSON document on stdout instead of text (see docs/json.md).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl classify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" server' -l 'server' -d 'Rendezvous server, host:port (default: first of NATCTL_SERVERS).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" code' -l 'code' -d 'The shared code, NAMEPLATE-WORDS (default: a fresh one, printed on stderr).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch"' -l 'peer' -d 'Serverless: a peer endpoint to try (repeatable).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" bind' -l 'bind' -d 'Local UDP port (default: any; serverless mode needs one the peer knows).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" timeout' -l 'timeout' -d 'Upper bound on the whole run, waiting for the peer included.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" require' -l 'require' -d 'Exit 1 unless the path is of this kind.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" tls-port' -l 'tls-port' -d 'The server\'s TLS port, tried when neither UDP nor TCP to its port gets through.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" ca' -l 'ca' -d 'For TLS to the server: trust the CA certificates in this PEM file (default: the system\'s).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" insecure' -l 'insecure' -d 'For TLS to the server: accept any certificate (labs with self-signed servers; reported as tls-insecure).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" max-probes' -l 'max-probes' -d 'Probe budget of the many-ports strategy; 0 turns it off.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" proof' -l 'proof' -d 'Datagrams each side sends to prove the path.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" duration' -l 'duration' -d 'After the proof, keep the path open this long, then prove it again.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" keepalive' -l 'keepalive' -d 'Keepalive interval while the path is open, 0 sends none (default 15); with --wireguard, the peer\'s persistent keepalive (default: as it was, 25 if off).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" no-relay' -l 'no-relay' -d 'Never use the relay.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" no-direct' -l 'no-direct' -d 'Skip direct checks and go through the relay.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" portmap' -l 'portmap' -d 'Map the punch port through the gateway (PCP, NAT-PMP or UPnP) and offer it as a candidate; deleted at the end.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" gateway' -l 'gateway' -d 'With --portmap: the gateway to ask (IPv4); default: the default route\'s.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" stdio' -l 'stdio' -d 'After connecting, send stdin to the peer and write what it sends to stdout.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" wireguard' -l 'wireguard' -d 'Work on this running WireGuard interface and its port.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" peer-key' -l 'peer-key' -d 'With --wireguard: the peer\'s public key (base64, as `wg` prints it).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch"' -l 'endpoint' -d 'With --wireguard: a candidate endpoint of the peer (repeatable, tried in order).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" attempt-timeout' -l 'attempt-timeout' -d 'With --wireguard: how long each candidate gets.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" restore' -l 'restore' -d 'With --wireguard: put the peer\'s original endpoint back at the end.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" probe-ip' -l 'probe-ip' -d 'With --wireguard: after the handshake, ping this tunnel address as proof.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch"' -l 'allowed-ip' -d 'With --wireguard and a server: allowed IPs for a peer the interface does not have yet (repeatable).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" wg-control' -l 'wg-control' -d 'With --wireguard: auto (UAPI socket if any, else wg), uapi or wg-tool.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" json' -l 'json' -d 'Print one JSON document (schema natctl.punch/2; natctl.punch-wireguard/1 with --wireguard).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl punch" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl relay" -eq 1' -fa 'serve' -d 'Serve STUN (with RFC 5780 when given an alternate address), dial-back, and a TURN relay when given credentials.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl relay" -eq 1' -fa 'test' -d 'Allocate on a TURN server and measure the relayed path (RTT, loss, throughput).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl relay" -eq 1' -fa 'connect' -d 'Relay a UDP conversation with one peer through a TURN server: stdin to the peer, the peer to stdout.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" listen' -l 'listen' -d 'Primary address, ip:port or [v6]:port.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" alternate' -l 'alternate' -d 'Alternate IP and port for RFC 5780 (a different IP and port).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" software' -l 'software' -d 'SOFTWARE attribute to send; empty to send none.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" duration' -l 'duration' -d 'Stop after this many seconds (default: run until a signal).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" json' -l 'json' -d 'Print JSON lines instead of text.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve"' -l 'user' -d 'A TURN user (repeatable).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" users-file' -l 'users-file' -d 'TURN users, one name:password per line (# comments).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve"' -l 'static-auth-secret' -d 'Shared secret for time-limited credentials (coturn\'s use-auth-secret: username expiry:name, password base64 HMAC-SHA1). Repeatable, for rotation.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" use-auth-secret' -l 'use-auth-secret' -d 'Accepted for coturn compatibility; --static-auth-secret is what enables the scheme.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" realm' -l 'realm' -d 'Realm of the long-term credentials.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" no-auth' -l 'no-auth' -d 'Run an open relay that anyone may use. Never do this on a public address.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" relay-ip' -l 'relay-ip' -d 'IP relayed sockets bind to (default: the --listen IP).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" min-port' -l 'min-port' -d 'Lowest relayed port.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" max-port' -l 'max-port' -d 'Highest relayed port.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" max-allocate-lifetime' -l 'max-allocate-lifetime' -d 'Longest allocation lifetime granted (default allocations get min(600, this)).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" permission-lifetime' -l 'permission-lifetime' -d 'Permission lifetime (RFC: 300).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" channel-lifetime' -l 'channel-lifetime' -d 'Channel binding lifetime (RFC: 600).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" stale-nonce' -l 'stale-nonce' -d 'Nonce lifetime; older nonces get 438.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" user-quota' -l 'user-quota' -d 'Allocations per user at once, over all relay threads (0: unlimited); beyond it Allocate gets 486.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" ip-quota' -l 'ip-quota' -d 'Allocations per client IP (IPv6: per /64) at once, over all relay threads (0: unlimited); beyond it Allocate gets 486.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" total-quota' -l 'total-quota' -d 'Allocations in all, over all relay threads (0: unlimited); beyond it Allocate gets 508.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" max-permissions' -l 'max-permissions' -d 'Permissions (peer IPs) per allocation; beyond it CreatePermission gets 508.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" max-channels' -l 'max-channels' -d 'Channel bindings per allocation; beyond it ChannelBind gets 508.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" max-allocation-age' -l 'max-allocation-age' -d 'Longest an allocation lives however often it is refreshed (0: no limit).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve"' -l 'denied-peer-ip' -d 'Also refuse peers in this range (repeatable).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve"' -l 'allowed-peer-ip' -d 'Allow peers in this range even if denied (repeatable). By default loopback, private, CGNAT, link-local and multicast peers are refused, and the relay IP outside the relayed port range.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" allow-loopback-peers' -l 'allow-loopback-peers' -d 'Allow loopback peers (for tests on one host).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" relay-threads' -l 'relay-threads' -d 'Threads that relay, each with its own socket on the --listen address (SO_REUSEPORT) and the allocations made through it (default: one per core).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" no-tcp' -l 'no-tcp' -d 'Serve STUN and TURN over UDP only, not also over TCP on the --listen port.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" cert' -l 'cert' -d 'TLS certificate chain, PEM: serves STUN and TURN over TLS too (with --pkey).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" pkey' -l 'pkey' -d 'The TLS certificate\'s private key, PEM.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" tls-listening-port' -l 'tls-listening-port' -d 'TLS port, on the --listen IP (0: any free port).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" no-tls' -l 'no-tls' -d 'No TLS, even with --cert and --pkey.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" stun-rate' -l 'stun-rate' -d 'Binding answers (and TURN answers before authentication) per second per source IP, after a burst of twice as many.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" rendezvous-rate' -l 'rendezvous-rate' -d 'Rendezvous answers per second per source IP, after a burst of twice as many.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" dial-back-rate' -l 'dial-back-rate' -d 'Dial-back requests carried out per second per source IP, after a burst of 5 (or twice the rate).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" libp2p-listen' -l 'libp2p-listen' -d 'Serve libp2p over TCP here (circuit relay v2 hop, identify, ping): a port on the --listen IP, or ip:port.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" libp2p-identity' -l 'libp2p-identity' -d 'Keep the libp2p identity (Ed25519 private key, libp2p\'s protobuf form) in this file, made when missing (default: a fresh identity each run).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" circuit-reservations' -l 'circuit-reservations' -d 'Reservations held at once.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" circuit-reservations-per-ip' -l 'circuit-reservations-per-ip' -d 'Reservations held at once for one IP.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" circuit-reservation-ttl' -l 'circuit-reservation-ttl' -d 'How long a reservation lasts unless renewed (at most a week; keep it well above 30: py-libp2p renews short ones in a loop).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" circuits-per-peer' -l 'circuits-per-peer' -d 'Relayed connections one peer may be part of at once.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" circuit-duration' -l 'circuit-duration' -d 'How long one relayed connection may last.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" circuit-bytes' -l 'circuit-bytes' -d 'Bytes one relayed connection may carry in each direction (at most 64 MiB).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" server' -l 'server' -d 'TURN server, host:port (default: first of NATCTL_SERVERS).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" user' -l 'user' -d 'TURN username (default: NATCTL_TURN_USER).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" password' -l 'password' -d 'TURN password (default: NATCTL_TURN_PASSWORD).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" auth-secret' -l 'auth-secret' -d 'Derive time-limited credentials from the server\'s shared secret (coturn use-auth-secret); --user is the name part.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" transport' -l 'transport' -d 'How to reach the server: udp, tcp (RFC 8656 over TCP) or tls (over TLS, port 5349 for a bare host); the relayed allocation is UDP either way.' -rfka 'udp tcp tls'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" ca' -l 'ca' -d 'For TLS to the server: trust the CA certificates in this PEM file (default: the system\'s).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" insecure' -l 'insecure' -d 'For TLS to the server: accept any certificate (labs with self-signed servers; reported as tls-insecure).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" peer' -l 'peer' -d 'A UDP echo peer to relay to, ip:port (default: this host\'s own echo socket).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" pings' -l 'pings' -d 'Sequential echoes for the round-trip figure.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" count' -l 'count' -d 'Datagrams in the throughput burst (0 skips it).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" size' -l 'size' -d 'Payload bytes per burst datagram.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" rate' -l 'rate' -d 'Burst datagrams per second.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" timeout' -l 'timeout' -d 'Upper bound on each step, in seconds.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" json' -l 'json' -d 'Print one JSON document on stdout instead of text (see docs/json.md).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay test" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay connect" server' -l 'server' -d 'TURN server, host:port (default: first of NATCTL_SERVERS).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay connect" user' -l 'user' -d 'TURN username (default: NATCTL_TURN_USER).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay connect" password' -l 'password' -d 'TURN password (default: NATCTL_TURN_PASSWORD).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay connect" auth-secret' -l 'auth-secret' -d 'Derive time-limited credentials from the server\'s shared secret (coturn use-auth-secret); --user is the name part.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay connect" transport' -l 'transport' -d 'How to reach the server: udp, tcp (RFC 8656 over TCP) or tls (over TLS, port 5349 for a bare host); the relayed allocation is UDP either way.' -rfka 'udp tcp tls'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay connect" ca' -l 'ca' -d 'For TLS to the server: trust the CA certificates in this PEM file (default: the system\'s).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay connect" insecure' -l 'insecure' -d 'For TLS to the server: accept any certificate (labs with self-signed servers; reported as tls-insecure).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay connect" peer' -l 'peer' -d 'The peer to talk to, ip:port.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay connect"' -l 'accept' -d 'Instead of --peer, wait for peers from this IP (repeatable) and answer whoever spoke last, like nc -l.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay connect" duration' -l 'duration' -d 'Stop after this many seconds.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay connect" linger' -l 'linger' -d 'After end of input, keep receiving this long.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay connect" timeout' -l 'timeout' -d 'Upper bound on each TURN transaction, in seconds.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay connect" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl relay connect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl portmap" -eq 1' -fa 'add' -d 'Map a local port through the gateway.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl portmap" -eq 1' -fa 'delete' -d 'Delete a mapping this host made.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl portmap" -eq 1' -fa 'list' -d 'List the gateway\'s port mappings (UPnP; NAT-PMP and PCP cannot list).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap add" port' -l 'port' -d 'The local port to map.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap add" transport' -l 'transport' -d 'udp or tcp.' -rfka 'udp tcp'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap add" external-port' -l 'external-port' -d 'The external port wanted; the gateway may give another. Default: any.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap add" lifetime' -l 'lifetime' -d 'Seconds the mapping lives (renewed with --duration).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap add" duration' -l 'duration' -d 'Keep the mapping this long, renewing it, then delete it.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap add" description' -l 'description' -d 'The name the router shows for the mapping (UPnP).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap add" protocol' -l 'protocol' -d 'upnp, natpmp, pcp, or auto (PCP, then NAT-PMP, then UPnP).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap add" gateway' -l 'gateway' -d 'The gateway to ask (IPv4); default: the default route\'s.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap add" timeout' -l 'timeout' -d 'Upper bound on each exchange with the gateway, in seconds.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap add" json' -l 'json' -d 'Print one JSON document on stdout instead of text (see docs/json.md).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap add" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap delete" port' -l 'port' -d 'The local port that was mapped.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap delete" transport' -l 'transport' -d 'udp or tcp.' -rfka 'udp tcp'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap delete" external-port' -l 'external-port' -d 'The external port (UPnP); default: --port.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap delete" nonce' -l 'nonce' -d 'PCP\'s mapping nonce, 24 hex digits, as \'portmap add\' printed it.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap delete" protocol' -l 'protocol' -d 'upnp, natpmp, pcp, or auto (PCP, then NAT-PMP, then UPnP).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap delete" gateway' -l 'gateway' -d 'The gateway to ask (IPv4); default: the default route\'s.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap delete" timeout' -l 'timeout' -d 'Upper bound on each exchange with the gateway, in seconds.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap delete" json' -l 'json' -d 'Print one JSON document on stdout instead of text (see docs/json.md).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap delete" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap delete" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap list" protocol' -l 'protocol' -d 'upnp, natpmp, pcp, or auto (PCP, then NAT-PMP, then UPnP).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap list" gateway' -l 'gateway' -d 'The gateway to ask (IPv4); default: the default route\'s.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap list" timeout' -l 'timeout' -d 'Upper bound on each exchange with the gateway, in seconds.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap list" json' -l 'json' -d 'Print one JSON document on stdout instead of text (see docs/json.md).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap list" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl portmap list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl trace" read' -l 'read' -d 'Explain this capture file (pcap or pcapng) instead of running an operation.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl trace"' -l 'local' -d 'This host\'s address in a --read capture (repeatable; default: the busiest requester).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl trace" write' -l 'write' -d 'Save the capture: .pcapng for pcapng, anything else pcap.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl trace"' -l 'interface' -d 'Capture on this interface (repeatable; default: the routes to the operation\'s servers).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl trace" lab' -l 'lab' -d 'Also capture on every interface of this lab\'s namespaces.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl trace" filter' -l 'filter' -d 'BPF capture filter (pcap-filter(7)); default: all UDP, ICMP, ICMPv6 errors (no neighbour discovery), IP fragments, and TCP to the operation\'s servers.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl trace" duration' -l 'duration' -d 'With no operation: capture this long, then explain (a running WireGuard, a lab).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl trace" packets' -l 'packets' -d 'Packets listed in text output; 0 lists none (the findings still print).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl trace" capture-limit' -l 'capture-limit' -d 'Keep at most this many packets of a live capture (default 100000); later ones are counted, not kept.' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl trace" json' -l 'json' -d 'Print one JSON document on stdout instead of text (see docs/json.md).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl trace" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl trace" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl lab" -eq 1' -fa 'up' -d 'Create a lab: one or two sites behind NATs, and natctl\'s server on the lab internet.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl lab" -eq 1' -fa 'down' -d 'Remove a lab (namespaces, veths, processes), or all with --all.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl lab" -eq 1' -fa 'status' -d 'Show a lab\'s sites, addresses and server.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl lab" -eq 1' -fa 'exec' -d 'Run a command on a lab site\'s host, with NATCTL_SERVERS set to the lab\'s server.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl lab" -eq 1' -fa 'list' -d 'List the NAT behaviours a lab site can have.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_positional "natctl lab" -eq 1' -fa 'verify' -d 'Prove each site\'s NAT behaviour with packets before anyone trusts its label.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab up"' -l 'site' -d 'A site and its NAT behaviour, e.g. a=eim-apdf, with options: a=eim-apdf,hairpin,no-input-firewall,udp-timeout=5,cgnat or cgnat=apdm-apdf (repeatable, at most 2).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab up" loss' -l 'loss' -d 'Random loss on each site\'s link to the internet, per direction, in percent (outbound: after the NATs, on the wire).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab up" delay' -l 'delay' -d 'One-way delay on each site\'s WAN link, in ms (natctl\'s userspace wire; this kernel has no netem).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab up" jitter' -l 'jitter' -d 'Each frame\'s delay varies by up to this much either way (reorders).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab up"' -l 'forward' -d 'Forward a port from a site\'s router to its host, UDP and TCP (repeatable).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab up" ipv6' -l 'ipv6' -d 'Give every site and the server IPv6 too (2001:db8::/32); routers firewall it, they do not NAT it.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab up" replace' -l 'replace' -d 'Tear down a lab of the same name that is up, then build this one (without it, that is refused).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab up" name' -l 'name' -d 'Lab name (1-12 lowercase letters or digits).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab up" json' -l 'json' -d 'Print one JSON document on stdout instead of text (see docs/json.md).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab up" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab up" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab down" all' -l 'all' -d 'Remove every natctl lab on this host.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab down" name' -l 'name' -d 'Lab name (1-12 lowercase letters or digits).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab down" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab down" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab status" name' -l 'name' -d 'Lab name (1-12 lowercase letters or digits).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab status" json' -l 'json' -d 'Print one JSON document on stdout instead of text (see docs/json.md).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab status" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab exec" name' -l 'name' -d 'Lab name (1-12 lowercase letters or digits).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab exec" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab exec" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab list" json' -l 'json' -d 'Print one JSON document on stdout instead of text (see docs/json.md).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab list" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab verify" name' -l 'name' -d 'Lab name (1-12 lowercase letters or digits).' -rfka ''
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab verify" json' -l 'json' -d 'Print one JSON document on stdout instead of text (see docs/json.md).'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab verify" version' -l 'version' -d 'Show the version.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl lab verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'natctl' -n '__natctl_should_offer_completions_for_flags_or_options "natctl help" version' -l 'version' -d 'Show the version.'
