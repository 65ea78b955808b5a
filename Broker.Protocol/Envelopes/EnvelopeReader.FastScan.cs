using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text.Json;
using System.Text.Unicode;

namespace MasterSocket.Protocol.Envelopes;

public static partial class EnvelopeReader
{
    /// <summary>Deepest nesting the fast scan follows; deeper input goes to the full reader.</summary>
    private const int FastScanMaxDepth = 48;

    /// <summary>Longest plain integer <c>op</c> the fast scan reads itself (fits a long).</summary>
    private const int FastScanMaxOpDigits = 18;

    /// <summary>
    /// The fast path of <see cref="TryRead(ReadOnlySpan{byte}, out Envelope, out EnvelopeError)"/>: one pass over the bytes that checks the JSON grammar
    /// (RFC 8259) and fills <paramref name="fields"/> exactly as <see cref="ReadFields"/> would, for
    /// the envelopes clients actually send. It answers only when it is sure: true means the message
    /// is valid JSON and <paramref name="fields"/> holds what the full reader would have found;
    /// false means "not sure" (anything malformed, or rare: an escaped property name, a bad
    /// <c>op</c>, an over-long id, deep nesting, invalid UTF-8) and the full
    /// <see cref="Utf8JsonReader"/> pass runs instead, with its exact errors. So the fast path can
    /// change speed, never an answer; <c>EnvelopeFastScanTests</c> checks the two agree.
    /// <para>
    /// Why: the envelope read was a quarter of the broker's CPU per DIRECT message, most of it
    /// Utf8JsonReader's general machinery (token state, depth bit stack, per-token dispatch) that an
    /// envelope of five known fields does not need (docs/benchmarks.md).
    /// </para>
    /// </summary>
    private static bool TryFastScan(ReadOnlySpan<byte> message, ref Fields fields, bool utf8Checked)
    {
        // Strings may hold any UTF-8: checked once for the whole message (an ASCII run is checked
        // 32 or 64 bytes at a time), unless the caller already has (a WebSocket text message).
        var scan = new FastScanner(message);
        return scan.EnvelopeObject(ref fields) && (utf8Checked || Utf8.IsValid(message));
    }

    /// <summary>True when the fast scan reads <paramref name="message"/> itself (for tests and benchmarks).</summary>
    internal static bool IsFastScanned(ReadOnlySpan<byte> message)
    {
        var fields = default(Fields);
        return TryFastScan(message, ref fields, utf8Checked: false);
    }

    // What ends a run of plain string bytes: a control character, a quote or a backslash.
    private static Vector128<byte> ControlLimit => Vector128.Create((byte)0x20);
    private static Vector128<byte> Quote => Vector128.Create((byte)'"');
    private static Vector128<byte> Backslash => Vector128.Create((byte)'\\');

    /// <summary>The property names the envelope reader looks for (at the top level, and in the intent).</summary>
    private enum Name
    {
        Other,
        Op,
        Id,
        Event,
        Data,
        Intent,
        Target,
        Identifier,
    }

    /// <summary>
    /// A cursor over the message; every method returns false at the first byte it is not sure of.
    /// <para>
    /// The per-token methods are inlined into <see cref="Members"/> and <see cref="Container"/>
    /// (the two loops, which stay calls), and cursor checks compare as unsigned: both let the JIT keep
    /// the cursor out of some repeated loads and drop the second bounds check of a byte read. An
    /// envelope is about a dozen such tokens, and their calls and checks, not its string bytes, are
    /// most of its time (the DIRECT envelope with 5 bytes of <c>data</c> scanned in ~100 ns, with 2,000
    /// more in ~270: about 0.08 ns a string byte, 8 ns a token).
    /// Measured in alternated pairs in one process: the scan at 0.83–0.94 of its time before on the
    /// load tool's DIRECT envelope, 0.85–0.98 on the benchmarks' GROUP one (docs/benchmarks.md).
    /// </para>
    /// </summary>
    private ref struct FastScanner(ReadOnlySpan<byte> message)
    {
        private readonly ReadOnlySpan<byte> _m = message;
        private int _pos;

        public bool EnvelopeObject(ref Fields fields)
        {
            if (!SkipWhitespaceTo((byte)'{'))
            {
                return false;
            }

            _pos++;
            if (!Members(ref fields, intent: false))
            {
                return false;
            }

            // Only whitespace may follow the object.
            SkipWhitespace();
            return _pos == _m.Length;
        }

        /// <summary>The members of an object whose '{' was just read, up to and including its '}'.</summary>
        private bool Members(ref Fields fields, bool intent)
        {
            SkipWhitespace();
            if (Peek() == (byte)'}')
            {
                _pos++;
                return true;
            }

            while (true)
            {
                if (!PropertyName(out var name) || !SkipWhitespaceTo((byte)':'))
                {
                    return false;
                }

                _pos++;
                SkipWhitespace();
                var known = Known(name);
                if (!(intent ? IntentMember(known, ref fields) : EnvelopeMember(known, ref fields)))
                {
                    return false;
                }

                SkipWhitespace();
                switch (Peek())
                {
                    case (byte)',':
                        _pos++;
                        SkipWhitespace();
                        continue;
                    case (byte)'}':
                        _pos++;
                        return true;
                    default:
                        return false;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool EnvelopeMember(Name name, ref Fields fields)
        {
            if (name == Name.Op)
            {
                fields.HasOp = true;
                return Op(out fields.Op);
            }

            if (name == Name.Intent)
            {
                fields.HasIntent = true;
                if (Peek() != (byte)'{')
                {
                    return Value(out fields.IntentType, out _, out _, depth: 1);
                }

                fields.IntentType = JsonTokenType.StartObject;
                _pos++;
                return Members(ref fields, intent: true);
            }

            if (!Value(out var type, out var range, out _, depth: 1))
            {
                return false;
            }

            if (name == Name.Id)
            {
                switch (type)
                {
                    case JsonTokenType.String when range.Length - 2 <= MaxIdBytes:
                    case JsonTokenType.Number:
                        fields.Id = range;
                        return true;
                    case JsonTokenType.Null:
                        fields.Id = default;
                        return true;
                    default:
                        return false; // refused: the full reader words the error
                }
            }

            if (name == Name.Event)
            {
                fields.EventType = type;
                fields.Event = range;
            }
            else if (name == Name.Data)
            {
                fields.Data = range;
            }

            return true; // any other field is skipped, "from" among them
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool IntentMember(Name name, ref Fields fields)
        {
            if (!Value(out var type, out var range, out var escaped, depth: 2))
            {
                return false;
            }

            if (name == Name.Target)
            {
                fields.TargetType = type;
                fields.TargetValue = range;
            }
            else if (name == Name.Identifier)
            {
                fields.IdentifierType = type;
                fields.IdentifierIsEscaped = escaped;
                fields.Identifier = range;
            }

            return true;
        }

        /// <summary>Which of the names the envelope reader looks for this is: one comparison, picked by length.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Name Known(ReadOnlySpan<byte> name) => name.Length switch
        {
            2 when name.SequenceEqual("op"u8) => Name.Op,
            2 when name.SequenceEqual("id"u8) => Name.Id,
            4 when name.SequenceEqual("data"u8) => Name.Data,
            5 when name.SequenceEqual("event"u8) => Name.Event,
            6 when name.SequenceEqual("intent"u8) => Name.Intent,
            6 when name.SequenceEqual("target"u8) => Name.Target,
            10 when name.SequenceEqual("identifier"u8) => Name.Identifier,
            _ => Name.Other,
        };

        /// <summary>
        /// A property name without escapes: the full reader compares names after resolving escapes
        /// ("\u006fp" is op), so an escaped name is left to it.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool PropertyName(out ReadOnlySpan<byte> name)
        {
            name = default;
            var start = _pos + 1;
            if (Peek() != (byte)'"' || !String(out var escaped) || escaped)
            {
                return false;
            }

            name = _m[start..(_pos - 1)];
            return true;
        }

        /// <summary><c>op</c> as a plain non-negative integer; anything else is the full reader's to refuse or read.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool Op(out long op)
        {
            op = 0;
            var start = _pos;
            while (_pos < _m.Length && IsDigit(_m[_pos]))
            {
                op = (op * 10) + (_m[_pos] - '0');
                _pos++;
            }

            var digits = _pos - start;
            if (digits == 0 || digits > FastScanMaxOpDigits || (digits > 1 && _m[start] == (byte)'0'))
            {
                return false;
            }

            // A fraction or exponent ("1.0", "1e0") is not a plain integer.
            return Peek() is not ((byte)'.' or (byte)'e' or (byte)'E');
        }

        /// <summary>Any JSON value at the cursor: its token type, its raw bytes, and whether a string had escapes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool Value(out JsonTokenType type, out ByteRange range, out bool escaped, int depth)
        {
            var start = _pos;
            escaped = false;
            range = default;
            bool ok;
            switch (Peek())
            {
                case (byte)'"':
                    type = JsonTokenType.String;
                    ok = String(out escaped);
                    break;
                case (byte)'{':
                    type = JsonTokenType.StartObject;
                    ok = Container(depth);
                    break;
                case (byte)'[':
                    type = JsonTokenType.StartArray;
                    ok = Container(depth);
                    break;
                case (byte)'t':
                    type = JsonTokenType.True;
                    ok = Literal("true"u8);
                    break;
                case (byte)'f':
                    type = JsonTokenType.False;
                    ok = Literal("false"u8);
                    break;
                case (byte)'n':
                    type = JsonTokenType.Null;
                    ok = Literal("null"u8);
                    break;
                default:
                    type = JsonTokenType.Number;
                    ok = Number();
                    break;
            }

            range = new ByteRange(start, _pos - start);
            return ok;
        }

        /// <summary>
        /// An object or array and everything inside it, without recursion: a bit per level says
        /// whether that level is an object (which alternates names and values) or an array.
        /// </summary>
        private bool Container(int depth)
        {
            ulong objects = 0; // bit i set: level i is an object
            var level = -1;
            var expectName = false;
            while (true)
            {
                // At a value (or the first member of a container just opened).
                SkipWhitespace();
                var b = Peek();
                if (b is (byte)'{' or (byte)'[')
                {
                    level++;
                    if (level + depth >= FastScanMaxDepth)
                    {
                        return false;
                    }

                    _pos++;
                    var isObject = b == (byte)'{';
                    objects = isObject ? objects | (1UL << level) : objects & ~(1UL << level);
                    SkipWhitespace();
                    if (Peek() == (isObject ? (byte)'}' : (byte)']'))
                    {
                        _pos++; // empty: closes at once
                        level--;
                        if (level < 0)
                        {
                            return true;
                        }
                    }
                    else
                    {
                        expectName = isObject;
                        if (!NameThenColon(ref expectName))
                        {
                            return false;
                        }

                        continue;
                    }
                }
                else if (!ScalarValue())
                {
                    return false;
                }

                // After a value: a comma continues this level, a closing bracket ends it.
                while (true)
                {
                    SkipWhitespace();
                    var isObject = (objects & (1UL << level)) != 0;
                    var next = Peek();
                    if (next == (byte)',')
                    {
                        _pos++;
                        SkipWhitespace();
                        expectName = isObject;
                        if (!NameThenColon(ref expectName))
                        {
                            return false;
                        }

                        break;
                    }

                    if (next != (isObject ? (byte)'}' : (byte)']'))
                    {
                        return false;
                    }

                    _pos++;
                    level--;
                    if (level < 0)
                    {
                        return true;
                    }
                }
            }
        }

        /// <summary>Inside an object, a member starts with its name and a colon.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool NameThenColon(ref bool expectName)
        {
            if (!expectName)
            {
                return true;
            }

            expectName = false;
            if (Peek() != (byte)'"' || !String(out _) || !SkipWhitespaceTo((byte)':'))
            {
                return false;
            }

            _pos++;
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool ScalarValue() => Peek() switch
        {
            (byte)'"' => String(out _),
            (byte)'t' => Literal("true"u8),
            (byte)'f' => Literal("false"u8),
            (byte)'n' => Literal("null"u8),
            _ => Number(),
        };

        /// <summary>
        /// A string at the cursor (its opening quote), through its closing quote. RFC 8259 7: no raw
        /// control characters; escapes are \" \\ \/ \b \f \n \r \t or \u and four hex digits.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool String(out bool escaped)
        {
            escaped = false;
            var m = _m;
            var pos = _pos + 1;
            while (true)
            {
                // Find the next byte that needs a look; everything else, non-ASCII included, is text.
                // Sixteen bytes at a time while they fit (one load, three compares, one mask: the
                // strings of an envelope are mostly shorter than that, so this is usually one step),
                // then byte by byte. Locals, not fields, in the loop: the JIT keeps them in registers.
                while (pos <= m.Length - Vector128<byte>.Count)
                {
                    var chunk = Vector128.Create(m.Slice(pos, Vector128<byte>.Count));
                    var specials = Vector128.LessThan(chunk, ControlLimit)
                        | Vector128.Equals(chunk, Quote)
                        | Vector128.Equals(chunk, Backslash);
                    if (specials != Vector128<byte>.Zero)
                    {
                        pos += BitOperations.TrailingZeroCount(specials.ExtractMostSignificantBits());
                        goto Special;
                    }

                    pos += Vector128<byte>.Count;
                }

                while (pos < m.Length && !IsStringSpecial(m[pos]))
                {
                    pos++;
                }

                if (pos == m.Length)
                {
                    _pos = pos;
                    return false; // unterminated
                }

            Special:
                _pos = pos;
                switch (m[pos])
                {
                    case (byte)'"':
                        _pos = pos + 1;
                        return true;
                    case (byte)'\\':
                        escaped = true;
                        if (!Escape())
                        {
                            return false;
                        }

                        pos = _pos;
                        break;
                    default:
                        return false; // a raw control character
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool IsStringSpecial(byte b) => b < 0x20 || b == (byte)'"' || b == (byte)'\\';

        private bool Escape()
        {
            _pos++; // the backslash
            switch (Peek())
            {
                case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                    _pos++;
                    return true;
                case (byte)'u':
                    if (_pos + 5 > _m.Length)
                    {
                        return false;
                    }

                    for (var k = 1; k <= 4; k++)
                    {
                        if (!char.IsAsciiHexDigit((char)_m[_pos + k]))
                        {
                            return false;
                        }
                    }

                    _pos += 5;
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>RFC 8259 6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool Number()
        {
            if (Peek() == (byte)'-')
            {
                _pos++;
            }

            if (Peek() == (byte)'0')
            {
                _pos++;
            }
            else if (!Digits())
            {
                return false;
            }

            if (Peek() == (byte)'.')
            {
                _pos++;
                if (!Digits())
                {
                    return false;
                }
            }

            if (Peek() is (byte)'e' or (byte)'E')
            {
                _pos++;
                if (Peek() is (byte)'+' or (byte)'-')
                {
                    _pos++;
                }

                if (!Digits())
                {
                    return false;
                }
            }

            // What follows must end the number: the caller checks for a delimiter, and any
            // letter or digit left here is not one.
            return true;
        }

        private bool Digits()
        {
            var m = _m;
            var start = _pos;
            var pos = start;
            while (pos < m.Length && IsDigit(m[pos]))
            {
                pos++;
            }

            _pos = pos;
            return pos > start;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool Literal(ReadOnlySpan<byte> literal)
        {
            if (!_m[_pos..].StartsWith(literal))
            {
                return false;
            }

            _pos += literal.Length;
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly byte Peek() => (uint)_pos < (uint)_m.Length ? _m[_pos] : (byte)0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void SkipWhitespace()
        {
            // Most calls find none: one comparison, inlined, for the usual case.
            if ((uint)_pos < (uint)_m.Length && _m[_pos] > (byte)' ')
            {
                return;
            }

            SkipWhitespaceRun();
        }

        private void SkipWhitespaceRun()
        {
            var m = _m;
            var pos = _pos;
            while (pos < m.Length && m[pos] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            {
                pos++;
            }

            _pos = pos;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool SkipWhitespaceTo(byte expected)
        {
            SkipWhitespace();
            return Peek() == expected;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;
    }
}
