//! `Clipped<T>`: a client-chosen value as a log line may hold it, cut to a bounded length.

use std::fmt::{self, Write as _};

/// The most bytes of a client-chosen value (a JSON-RPC `id`, `clientInfo.name`) a log field
/// holds; the rest is counted, not written.
pub(crate) const MAX_LOGGED_CLIENT_BYTES: usize = 128;

/// Displays `T` cut to [`MAX_LOGGED_CLIENT_BYTES`] (on a character boundary), followed by
/// `…[+N bytes]` when anything was cut. The value is streamed through a counting writer, never
/// copied whole, so a 3 MB id costs a pass over it, not 3 MB of log (nor of memory). The
/// redactor still runs over what is kept: the layer redacts every value.
pub(crate) struct Clipped<T>(pub(crate) T);

impl<T: fmt::Display> fmt::Display for Clipped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bounded = Bounded {
            out: f,
            room: MAX_LOGGED_CLIENT_BYTES,
            cut: 0,
        };
        write!(bounded, "{}", self.0)?;
        let cut = bounded.cut;
        if cut > 0 {
            write!(f, "…[+{cut} bytes]")?;
        }
        Ok(())
    }
}

impl<T: fmt::Display> fmt::Debug for Clipped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Writes up to `room` bytes to `out` and counts the rest; once it has cut, it writes nothing
/// more, so the kept text is a prefix of the whole.
struct Bounded<'a, 'b> {
    out: &'a mut fmt::Formatter<'b>,
    room: usize,
    cut: usize,
}

impl fmt::Write for Bounded<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        if self.cut > 0 || text.len() > self.room {
            let mut end = if self.cut > 0 { 0 } else { self.room };
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            self.out.write_str(&text[..end])?;
            self.room = 0;
            self.cut += text.len() - end;
            return Ok(());
        }
        self.room -= text.len();
        self.out.write_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_on_a_character_boundary_with_a_count() {
        assert_eq!(Clipped("short").to_string(), "short");
        let exact = "a".repeat(MAX_LOGGED_CLIENT_BYTES);
        assert_eq!(Clipped(&exact).to_string(), exact);
        let huge = "x".repeat(3 * 1024 * 1024);
        let clipped = Clipped(&huge).to_string();
        assert_eq!(
            clipped,
            format!("{}…[+{} bytes]", &huge[..128], huge.len() - 128)
        );
        // 127 ASCII bytes then a 2-byte character: the character is dropped whole.
        let straddling = format!("{}é and more", "a".repeat(127));
        let clipped = Clipped(&straddling).to_string();
        assert!(clipped.starts_with(&"a".repeat(127)), "{clipped}");
        assert!(clipped.ends_with(&format!("…[+{} bytes]", straddling.len() - 127)));
        // A value written in several pieces is cut once, as a whole.
        let pieces = Clipped(format_args!(
            "{}{}{}",
            "b".repeat(100),
            "c".repeat(100),
            "d"
        ));
        assert_eq!(
            pieces.to_string(),
            format!("{}{}…[+73 bytes]", "b".repeat(100), "c".repeat(28))
        );
    }
}
