namespace MasterSocket.Broker.Options;

public enum AuthMode
{
    /// <summary>No credential: development only.</summary>
    None,
    Keys,
    Jwt,
}

/// <summary><c>Broker:Auth</c> (PROTOCOL.md 6).</summary>
public sealed class AuthOptions
{
    /// <summary>Null when not configured: Development then runs open (with a warning); elsewhere start is refused.</summary>
    public AuthMode? Mode { get; set; }

    public List<ApiKeyOptions> Keys { get; set; } = [];
    public JwtOptions Jwt { get; set; } = new();
}

/// <summary>One API key of <c>Broker:Auth:Keys</c>.</summary>
public sealed class ApiKeyOptions
{
    public string Key { get; set; } = "";
    public string Name { get; set; } = "";
    public string Role { get; set; } = "client";

    /// <summary>Groups the key may join: exact names, or a prefix ending in <c>*</c>.</summary>
    public List<string> Groups { get; set; } = [];
}

/// <summary><c>Broker:Auth:Jwt</c>: HS256 with a secret, or RS256 with a public key.</summary>
public sealed class JwtOptions
{
    /// <summary>HS256: the UTF-8 bytes of this string are the key.</summary>
    public string? Secret { get; set; }

    /// <summary>RS256: an SPKI PEM ("-----BEGIN PUBLIC KEY-----").</summary>
    public string? PublicKeyPem { get; set; }

    public string? Issuer { get; set; }
    public string? Audience { get; set; }

    /// <summary>Tolerance on exp and nbf for clocks that disagree.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}
