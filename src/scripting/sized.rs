//! Size-checked versions of the package functions whose result can be many times larger than
//! their inputs. rhai checks a function's result against the size limits only after the function
//! returns, so `t.replace("a", s)` on two 10,000-character strings would first build a 100 MB
//! string. These compute the size of the result first and fail, with the engine's own error,
//! before allocating. Functions registered on the engine shadow the packages' ones of the same
//! signature.
//!
//! Left to the packages, because their result is at most a small multiple of their inputs (each
//! already within the limits): `+`, `+=`, `append`, `extend`, `splice`, `to_upper`/`to_lower`
//! (at most 3× in UTF-8), `split`, `to_chars`. `pad` on strings and arrays checks its size first
//! in rhai itself.
use rhai::{Engine, EvalAltResult, ImmutableString, NativeCallContext, Position};

type Checked = Result<(), Box<EvalAltResult>>;

/// The engine's error for a string over `max_string_size` (what its own checks raise).
fn string_too_large() -> Box<EvalAltResult> {
    EvalAltResult::ErrorDataTooLarge("Length of string".to_string(), Position::NONE).into()
}

/// Fails unless a string of `len` bytes fits the engine's limit.
fn check_string_len(ctx: &NativeCallContext, len: usize) -> Checked {
    let max = ctx.engine().max_string_size();
    if max > 0 && len > max {
        return Err(string_too_large());
    }
    Ok(())
}

/// The length in bytes of `string` with each of `matches` occurrences of a `find_len`-byte
/// pattern replaced by `sub_len` bytes (saturating: an overflow is over any limit).
fn replaced_len(string: &str, matches: usize, find_len: usize, sub_len: usize) -> usize {
    (string.len() - matches * find_len).saturating_add(matches.saturating_mul(sub_len))
}

fn replace_str(
    ctx: NativeCallContext,
    string: &mut ImmutableString,
    find: ImmutableString,
    sub: ImmutableString,
) -> Checked {
    let matches = string.matches(find.as_str()).count();
    check_string_len(&ctx, replaced_len(string, matches, find.len(), sub.len()))?;
    if matches > 0 {
        *string = string.replace(find.as_str(), &sub).into();
    }
    Ok(())
}

fn replace_str_with_char(
    ctx: NativeCallContext,
    string: &mut ImmutableString,
    find: ImmutableString,
    sub: char,
) -> Checked {
    replace_str(ctx, string, find, sub.to_string().into())
}

fn replace_char(
    ctx: NativeCallContext,
    string: &mut ImmutableString,
    find: char,
    sub: ImmutableString,
) -> Checked {
    replace_str(ctx, string, find.to_string().into(), sub)
}

fn replace_char_with_char(
    ctx: NativeCallContext,
    string: &mut ImmutableString,
    find: char,
    sub: char,
) -> Checked {
    replace_str(ctx, string, find.to_string().into(), sub.to_string().into())
}

pub fn register(engine: &mut Engine) {
    engine
        .register_fn("replace", replace_str)
        .register_fn("replace", replace_str_with_char)
        .register_fn("replace", replace_char)
        .register_fn("replace", replace_char_with_char);
}
