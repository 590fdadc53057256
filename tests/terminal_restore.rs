//! The terminal is put back whatever ends the UI: here a signal (`SIGTERM`, and `SIGABRT`, as
//! an abort on any thread raises), with `ember tui` running in a pseudo-terminal.
#![cfg(unix)]

use std::fs::File;
use std::io::Read;
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A pseudo-terminal of 100×30: (master, slave).
fn pty() -> (RawFd, RawFd) {
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 30,
        ws_col: 100,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty fills the two descriptors; the other arguments may be null or valid.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(r, 0, "openpty");
    (master, slave)
}

/// Whether the terminal behind `fd` reads lines and echoes them (not raw).
fn cooked(fd: RawFd) -> bool {
    // SAFETY: tcgetattr fills `t` for a valid descriptor.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::tcgetattr(fd, &mut t) }, 0);
    t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0
}

fn ui_ended_by(signal: i32) {
    let (master, slave) = pty();
    let io = || {
        // SAFETY: dup gives a new descriptor of the slave, owned by the File.
        Stdio::from(unsafe { File::from_raw_fd(libc::dup(slave)) })
    };
    // Checked before the UI starts: once spawned, it may switch the terminal to raw at once.
    assert!(cooked(slave), "the terminal starts cooked");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(["tui", "pagerank"])
        .stdin(io())
        .stdout(io())
        .stderr(io())
        .spawn()
        .expect("ember tui");
    // Read what the UI draws, so that it never blocks on a full terminal.
    std::thread::spawn(move || {
        // SAFETY: the master descriptor is this thread's from here on.
        let mut m = unsafe { File::from_raw_fd(master) };
        let mut buf = [0u8; 4096];
        while matches!(m.read(&mut buf), Ok(n) if n > 0) {}
    });
    let start = Instant::now();
    while cooked(slave) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the UI did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: kill takes a process id and a signal number.
    unsafe { libc::kill(child.id() as i32, signal) };
    let status = child.wait().expect("the UI ends");
    assert_eq!(
        status.signal(),
        Some(signal),
        "ended by the signal: {status:?}"
    );
    assert!(
        cooked(slave),
        "the terminal is put back after signal {signal}"
    );
    // SAFETY: the slave descriptor is ours to close.
    unsafe { libc::close(slave) };
}

#[test]
fn a_terminated_ui_puts_the_terminal_back() {
    ui_ended_by(libc::SIGTERM);
}

#[test]
fn an_aborted_ui_puts_the_terminal_back() {
    ui_ended_by(libc::SIGABRT);
}
