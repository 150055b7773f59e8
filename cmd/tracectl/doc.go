// Tracectl is the installer's command line for tracecalld. It talks HTTP to the
// daemon over its unix socket (DATA/tracecalld.sock), which is trusted by file
// permission and needs no token, and prints what it gets back as tables or JSON.
//
// Usage:
//
//	tracectl [-s SOCKET] VERB [flags] [args]
//
// Verbs: status, lines, calls, trace (show, list, import, export, gen), sim
// call and sim phone (a simulated agent phone that runs until Ctrl-C, printing
// its rings, answers and hangups, and can dial feature codes such as *21),
// sip phone (add, list, rm: SIP phones kept in the store, which register
// like those of the config file; add without --password makes one and
// prints it once), user (list, unlock, enable, passwd: the panel's users,
// for an admin locked out of the panel; passwd asks on the terminal without
// echo, or reads the first line of stdin, never the command line) and
// throttle (list, lift: the delays after failed logins and SIP
// authentication).
// `tracectl help` lists them; `tracectl VERB -h` explains one.
// `trace gen` runs locally and needs no daemon.
//
// # Socket
//
// The socket is, in order: the -s flag, $TRACECALL_SOCKET,
// $TRACECALL_DATA/tracecalld.sock, /var/lib/tracecall/tracecalld.sock.
//
// # Exit status
//
// 0 on success, 1 when the daemon or the operation failed (an unknown code, a
// rejected import, a simulated call that did not run to its end), 2 on a usage
// error.
//
// # Testing
//
// main only calls run(ctx, args, stdout, stderr), which the tests drive against
// an httptest server listening on a unix socket.
package main
