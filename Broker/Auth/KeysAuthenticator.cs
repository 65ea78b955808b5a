using System.Security.Cryptography;
using System.Text;
using MasterSocket.Broker.Options;
using MasterSocket.Protocol.Envelopes;

namespace MasterSocket.Broker.Auth;

/// <summary>
/// API keys from <c>Broker:Auth:Keys</c>. Every key is compared in fixed time, so response timing
/// tells an attacker nothing about how much of a guess was right.
/// </summary>
public sealed class KeysAuthenticator : IAuthenticator
{
    private readonly (byte[] Key, Identity Identity)[] _keys;

    public KeysAuthenticator(AuthOptions options)
    {
        _keys = options.Keys
            .Select(k =>
            {
                // The options validator has already refused unknown roles.
                var role = Roles.TryParse(k.Role, out var parsed) ? parsed : Role.Client;
                return (Encoding.UTF8.GetBytes(k.Key), new Identity(string.IsNullOrEmpty(k.Name) ? null : k.Name, role, new GroupPatterns(k.Groups)));
            })
            .ToArray();
    }

    public ValueTask<AuthResult> AuthenticateAsync(IdentifyRequest request)
    {
        if (string.IsNullOrEmpty(request.Token))
        {
            return ValueTask.FromResult(AuthResult.Fail("a token is required"));
        }

        var presented = Encoding.UTF8.GetBytes(request.Token);
        Identity? match = null;
        foreach (var (key, identity) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(key, presented))
            {
                match = identity;
            }
        }

        return ValueTask.FromResult(match is null ? AuthResult.Fail("unknown API key") : AuthResult.Ok(match));
    }
}
