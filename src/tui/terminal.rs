//! The terminal, put back whatever ends the UI.
//!
//! The UI puts the terminal in raw mode on the alternate screen with the mouse captured. Quitting
//! puts it back; so must everything else that can end the process: a panic on the UI's thread
//! (the panic hook), and a signal, whether sent (`SIGTERM`, `SIGHUP` when the terminal closes,
//! `SIGINT`, `SIGQUIT`) or raised by the process itself (`SIGABRT`: an abort on any thread, the
//! end of a stack overflow; `SIGBUS`). A signal handler may call only
//! async-signal-safe functions, so the terminal's settings are saved before the UI starts and
//! restored with `tcsetattr` and one `write` of the escape sequences, after which the signal
//! takes its default course (the process ends as the signal says). Only `SIGKILL` cannot be
//! caught; `reset` mends a terminal after one.

use std::sync::OnceLock;

/// The terminal's settings before the UI changed them (standard input's).
#[cfg(unix)]
static SAVED: OnceLock<libc::termios> = OnceLock::new();

/// Leave the alternate screen, release the mouse, show the cursor.
const LEAVE: &[u8] = b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1049l\x1b[?25h";

/// Saves the terminal's settings and arms the signal handlers that restore them. Call before
/// the UI changes the terminal; calling it again does nothing.
pub fn arm() {
    #[cfg(unix)]
    {
        if SAVED.get().is_some() {
            return;
        }
        // SAFETY: `tcgetattr` fills `t` for a valid descriptor, or fails and leaves it unused.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut t) } != 0 {
            return;
        }
        let _ = SAVED.set(t);
        for sig in [
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGHUP,
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGQUIT,
            signal_hook::consts::SIGABRT,
            signal_hook::consts::SIGBUS,
        ] {
            // SAFETY: the handler calls only async-signal-safe functions (`tcsetattr`, `write`,
            // and signal-hook's default-action emulation, made for handlers).
            let _ = unsafe {
                signal_hook::low_level::register(sig, move || {
                    restore_raw();
                    let _ = signal_hook::low_level::emulate_default_handler(sig);
                })
            };
        }
    }
}

/// Puts the terminal back as [`arm`] found it, with async-signal-safe calls only.
pub fn restore_raw() {
    #[cfg(unix)]
    if let Some(t) = SAVED.get() {
        // SAFETY: both calls take valid descriptors and buffers; neither allocates.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, t);
            libc::write(libc::STDOUT_FILENO, LEAVE.as_ptr().cast(), LEAVE.len());
        }
    }
}
