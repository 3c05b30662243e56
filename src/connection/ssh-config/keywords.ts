/**
 * Every keyword OpenSSH 9.2's client accepts in ssh_config (readconf.c's
 * keyword table, deprecated and unsupported ones included: ssh accepts
 * those silently, so must we). Anything else is "Bad configuration option",
 * as ssh says, unless IgnoreUnknown names it.
 */
export const SSH_CONFIG_KEYWORDS: ReadonlySet<string> = new Set(
  (
    'protocol cipher fallbacktorsh globalknownhostsfile2 rhostsauthentication userknownhostsfile2 useroaming usersh ' +
    'useprivilegedport afstokenpassing kerberosauthentication kerberostgtpassing rsaauthentication rhostsrsaauthentication ' +
    'compressionlevel gssapiauthentication gssapidelegatecredentials pkcs11provider smartcarddevice forwardagent forwardx11 ' +
    'forwardx11trusted forwardx11timeout exitonforwardfailure xauthlocation gatewayports passwordauthentication ' +
    'kbdinteractiveauthentication kbdinteractivedevices challengeresponseauthentication skeyauthentication tisauthentication ' +
    'pubkeyauthentication dsaauthentication hostbasedauthentication identityfile identityfile2 identitiesonly certificatefile ' +
    'addkeystoagent identityagent hostname hostkeyalias proxycommand port ciphers macs remoteforward localforward ' +
    'permitremoteopen user host match escapechar globalknownhostsfile userknownhostsfile connectionattempts batchmode ' +
    'checkhostip stricthostkeychecking compression tcpkeepalive keepalive numberofpasswordprompts syslogfacility loglevel ' +
    'logverbose dynamicforward preferredauthentications hostkeyalgorithms casignaturealgorithms bindaddress bindinterface ' +
    'clearallforwardings enablesshkeysign verifyhostkeydns nohostauthenticationforlocalhost rekeylimit connecttimeout ' +
    'addressfamily serveraliveinterval serveralivecountmax sendenv setenv controlpath controlmaster controlpersist ' +
    'hashknownhosts include tunnel tunneldevice localcommand permitlocalcommand remotecommand visualhostkey kexalgorithms ' +
    'ipqos requesttty sessiontype stdinnull forkafterauthentication proxyusefdpass canonicaldomains canonicalizefallbacklocal ' +
    'canonicalizehostname canonicalizemaxdots canonicalizepermittedcnames streamlocalbindmask streamlocalbindunlink ' +
    'revokedhostkeys fingerprinthash updatehostkeys hostbasedacceptedalgorithms hostbasedkeytypes pubkeyacceptedalgorithms ' +
    'pubkeyacceptedkeytypes ignoreunknown proxyjump securitykeyprovider knownhostscommand requiredrsasize enableescapecommandline'
  ).split(' '),
)

/** Keywords whose every occurrence adds to a list (ssh accumulates them); for all others the first value obtained wins. */
export const ACCUMULATING_KEYWORDS: ReadonlySet<string> = new Set([
  'identityfile',
  'certificatefile',
  'localforward',
  'remoteforward',
  'dynamicforward',
  'sendenv',
  'setenv',
  'permitremoteopen',
])
