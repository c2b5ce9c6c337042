<?php
// The protected page of a SAML service provider: who the SP authenticated, every attribute it
// received and what it knows of the SAML session, in a table that sesame::testing::readSpPage()
// reads back. Served by the demo's /saml-app/ (mod_auth_mellon, etc/demo/apache/saml-app.conf.in)
// and by the harness's SPs (test/support MellonService and ShibbolethService). SESAME_SP_KIND says
// where the SP module left them (Apache's subprocess environment, which mod_php exposes as
// $_SERVER); SESAME_SP_HANDLER is the module's own path (MellonEndpointPath, the Shibboleth
// handler; default /mellon or /Shibboleth.sso) and SESAME_SP_RETURN_URL where logout lands
// (default SESAME_SP_BASE_URL + '/').
header('Content-Type: text/html; charset=utf-8');
header('Cache-Control: no-store');
header('X-Content-Type-Options: nosniff');

function h($s) { return htmlspecialchars((string)$s, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8'); }

$kind = getenv('SESAME_SP_KIND');
$handler = getenv('SESAME_SP_HANDLER') ?: ($kind === 'mellon' ? '/mellon' : '/Shibboleth.sso');
$returnTo = getenv('SESAME_SP_RETURN_URL') ?: getenv('SESAME_SP_BASE_URL') . '/';
$nameId = '';
$attributes = [];  // name => list of values, in the order received
$session = [];     // what the SP knows of the SAML session

if ($kind === 'mellon') {
    // mod_auth_mellon: MELLON_<name>_<i> for each value and MELLON_<name>_N for the count
    // (MellonEnvVarsSetCount On). PHP turns '.' into '_' in $_SERVER's keys: an attribute named
    // urn:oid:2.5.4.42 arrives as urn:oid:2_5_4_42, and OIDs have no '_', so put the dots back.
    foreach ($_SERVER as $key => $count) {
        if (!preg_match('/^MELLON_(.+)_N$/s', $key, $m) || !ctype_digit((string)$count)) continue;
        $name = $m[1];
        $values = [];
        for ($i = 0; $i < (int)$count; ++$i) $values[] = $_SERVER['MELLON_' . $name . '_' . $i] ?? '';
        if (str_starts_with($name, 'urn:oid:')) $name = str_replace('_', '.', $name);
        if ($name === 'NAME_ID') { $nameId = $values[0]; continue; }
        if ($name === 'ASSERTION_ID' || $name === 'IDP') { $session[$name] = $values[0]; continue; }
        $attributes[$name] = $values;
    }
    if (isset($_SERVER['MELLON_SAML_RESPONSE'])) $session['SAML_RESPONSE'] = $_SERVER['MELLON_SAML_RESPONSE'];
    $logout = $handler . '/logout?ReturnTo=' . rawurlencode($returnTo);
} else {
    // The Shibboleth SP: one variable per attribute id of attribute-map.xml, multiple values
    // joined by ';' with a literal ';' escaped as '\;'.
    foreach (explode(' ', getenv('SESAME_SP_ATTRIBUTES')) as $id) {
        if ($id === '' || !isset($_SERVER[$id]) || $_SERVER[$id] === '') continue;
        $values = array_map(fn($v) => str_replace('\\;', ';', $v),
                            preg_split('/(?<!\\\\);/', $_SERVER[$id]));
        if (str_ends_with($id, '-nameid')) {
            $nameId = $values[0];
            $session['NameID-Format'] = substr($id, 0, -strlen('-nameid'));
            continue;
        }
        $attributes[$id] = $values;
    }
    foreach (['Shib-Identity-Provider', 'Shib-Session-Index', 'Shib-Session-ID',
              'Shib-AuthnContext-Class', 'Shib-Authentication-Instant',
              'Shib-Authentication-Method'] as $key) {
        if (isset($_SERVER[$key]) && $_SERVER[$key] !== '') $session[$key] = $_SERVER[$key];
    }
    $logout = $handler . '/Logout?return=' . rawurlencode($returnTo);
}
ksort($attributes);
ksort($session);
$title = getenv('SESAME_SERVICE_NAME') ?: 'Service SAML';
?>
<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?= h($title) ?></title>
</head>
<body>
<main>
<h1><?= h($title) ?></h1>
<p>Connecté en tant que <strong id="remote-user"><?= h($_SERVER['REMOTE_USER'] ?? '') ?></strong>,
identifiant SAML (NameID) <code id="name-id"><?= h($nameId) ?></code>.</p>
<table id="attributes">
<caption>Attributs reçus</caption>
<thead><tr><th scope="col">Nom</th><th scope="col">Valeur</th></tr></thead>
<tbody>
<?php foreach ($attributes as $name => $values) foreach ($values as $value) { ?>
<tr><th scope="row"><?= h($name) ?></th><td><?= h($value) ?></td></tr>
<?php } ?>
</tbody>
</table>
<table id="session">
<caption>Session SAML</caption>
<thead><tr><th scope="col">Nom</th><th scope="col">Valeur</th></tr></thead>
<tbody>
<?php foreach ($session as $name => $value) { ?>
<tr><th scope="row"><?= h($name) ?></th><td><?= h($value) ?></td></tr>
<?php } ?>
</tbody>
</table>
<p><a href="<?= h($logout) ?>">Se déconnecter</a></p>
</main>
</body>
</html>
