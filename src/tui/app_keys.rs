//! What keys and the mouse do to the UI ([`App`]): a key becomes an [`Action`] through the
//! view's table or the global one ([`super::view`]); the global actions (quit, help, the
//! views, playback, the job shown, the engine shown, the what-if's file) are done here, the
//! rest handed to the view shown, whose reply may ask the UI for more (a seek, a job, a
//! what-if). Drawing and the UI's state are [`super::app`]'s.

use super::app::{App, View};
use super::chrome;
use super::explain::duration;
use super::playback::Boundary;
use super::view::{action_for, Action, Ctx, Effect, Reply};
use crate::units::parse_duration;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind,
};

impl App {
    /// Handles a key.
    pub fn on_key(&mut self, k: KeyEvent) {
        if k.kind == KeyEventKind::Release {
            return;
        }
        if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        if self.prompt.is_some() {
            return self.on_prompt_key(k.code);
        }
        let action = action_for(self.shown(), k.code);
        if self.help {
            match (k.code, action) {
                (KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q'), _) => self.help = false,
                (_, Some(a @ (Action::ShowView(_) | Action::NextView | Action::PreviousView))) => {
                    self.help = false;
                    self.act(a);
                }
                _ => {}
            }
            return;
        }
        if let Some(a) = action {
            self.message = None;
            self.act(a);
        } else if let Some(key) = key_name(k.code) {
            self.message = Some(format!(
                "{key} does nothing in the {} view (? lists its keys)",
                self.shown().name().to_lowercase()
            ));
        }
    }

    fn on_prompt_key(&mut self, code: KeyCode) {
        let Some(p) = &mut self.prompt else { return };
        match code {
            KeyCode::Enter => {
                let text = p.trim().to_string();
                self.prompt = None;
                match parse_duration(&text) {
                    Ok(us) => {
                        self.play.seek_time(&self.log, us.round() as u64);
                        self.play.playing = false;
                        let end = if us.round() as u64 > self.log.end_us() {
                            format!(" (the run ends at {})", duration(self.log.end_us()))
                        } else {
                            String::new()
                        };
                        self.message = Some(format!(
                            "at {}{end}, paused (space plays on)",
                            duration(self.play.now_us())
                        ));
                    }
                    Err(e) => self.message = Some(e),
                }
            }
            KeyCode::Esc => self.prompt = None,
            KeyCode::Backspace => {
                p.pop();
            }
            KeyCode::Char(c) => p.push(c),
            _ => {}
        }
    }

    /// Does what an action asks: the global ones here, the rest by the view shown.
    pub fn act(&mut self, a: Action) {
        let n = self.views.len();
        let log = &self.log;
        match a {
            Action::Quit => self.quit = true,
            Action::Help => self.help = true,
            Action::NextView => self.view = View((self.current() + 1) % n),
            Action::PreviousView => self.view = View((self.current() + n - 1) % n),
            Action::ShowView(i) if i < n => {
                if i == self.current() {
                    self.message = Some(format!("already on {}", self.views[i].name()));
                }
                self.view = View(i);
            }
            Action::ShowView(i) => self.message = Some(format!("there is no view {}", i + 1)),
            Action::PlayPause => {
                if !self.play.playing
                    && self.play.cursor() >= self.log.events.len()
                    && self.log.complete
                {
                    self.play.seek(&self.log, 0);
                    self.message = Some("playing again from the start".into());
                }
                self.play.playing = !self.play.playing;
            }
            Action::StepForward | Action::StepBack => {
                self.play.playing = false;
                self.play
                    .step(log, if a == Action::StepForward { 1 } else { -1 });
                self.say_where();
            }
            Action::NextTask
            | Action::PreviousTask
            | Action::NextStage
            | Action::PreviousStage
            | Action::NextJob
            | Action::PreviousJob => {
                let (kind, forward) = match a {
                    Action::NextTask => (Boundary::Task, true),
                    Action::PreviousTask => (Boundary::Task, false),
                    Action::NextStage => (Boundary::Stage, true),
                    Action::PreviousStage => (Boundary::Stage, false),
                    Action::NextJob => (Boundary::Job, true),
                    _ => (Boundary::Job, false),
                };
                self.play.playing = false;
                self.play.step_to(log, kind, forward);
                self.say_where();
            }
            Action::Faster | Action::Slower => {
                if a == Action::Faster {
                    self.play.speed *= 2.0;
                } else {
                    self.play.speed /= 2.0;
                }
                self.speed_set = true;
                self.message = Some(format!("speed: {}", chrome::speed(self.play.speed)));
            }
            Action::ToStart => {
                self.play.seek(log, 0);
                self.play.playing = false;
                self.message = Some("the start: no event yet".into());
            }
            Action::ToEnd => {
                self.play.seek(log, log.events.len());
                self.play.playing = false;
                self.message = Some(if log.complete {
                    format!("the end: event {}", log.events.len())
                } else {
                    "at the latest event: the run is still being computed (End again for more)"
                        .into()
                });
            }
            Action::GoToTime => {
                self.play.playing = false;
                self.prompt = Some(String::new());
            }
            Action::SwitchEngine => self.switch_engine(),
            Action::EarlierJob => self.select_job(-1),
            Action::LaterJob => self.select_job(1),
            Action::SaveWhatIf => {
                self.message = Some(match self.what_if.as_mut() {
                    Some(w) => w.save(),
                    None => {
                        "w saves a what-if: make one first (x in the executors or storage view)"
                            .into()
                    }
                })
            }
            _ => {
                self.update(self.frame);
                let job = self.shown_job();
                let ctx = Ctx {
                    log: &self.log,
                    state: &self.play.state,
                    now_us: self.play.now_us(),
                    job,
                    chosen: self.job.is_some(),
                    baseline: self.what_if.as_ref().map(|w| &w.baseline),
                    engines: &self.engines,
                };
                let current = self.current();
                let reply: Reply = self.views[current].handle(a, &ctx);
                if let Some(m) = reply.message {
                    self.message = Some(m);
                }
                match reply.effect {
                    Effect::None => {}
                    Effect::SelectJob(d) => self.select_job(d),
                    Effect::LatestJob => self.latest_job(),
                    Effect::Seek(i) => {
                        self.play.seek(&self.log, i);
                        self.play.playing = false;
                        self.say_where();
                    }
                    Effect::WhatIf(f) => self.start_what_if(f),
                }
            }
        }
        self.tell_job();
    }

    /// Handles the mouse: the wheel is `↑` `↓` in the view; a click on a tab shows its view.
    pub fn on_mouse(&mut self, m: MouseEvent) {
        match m.kind {
            MouseEventKind::ScrollUp => self.act(Action::Up),
            MouseEventKind::ScrollDown => self.act(Action::Down),
            MouseEventKind::Down(_) if m.row == 1 => {
                let names = self.view_names();
                for i in 0..names.len() {
                    let (x, w) =
                        chrome::tab_span(&names, self.current(), self.frame.width as usize, i);
                    if m.column >= x && m.column < x + w {
                        self.view = View(i);
                    }
                }
            }
            _ => {}
        }
    }
}

/// How the footer names a key that does nothing (`None` for keys not worth a word: modifiers,
/// media keys and the like).
fn key_name(code: KeyCode) -> Option<String> {
    Some(match code {
        KeyCode::Char(' ') => "space".into(),
        KeyCode::Char(c) => format!("`{c}`"),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Delete => "Delete".into(),
        KeyCode::Insert => "Insert".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::F(n) => format!("F{n}"),
        _ => return None,
    })
}
