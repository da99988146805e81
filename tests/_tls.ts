/**
 * TLS for tests: a throwaway CA and a leaf certificate for localhost, made with openssl.
 *
 * @module
 */

/** A test CA and a certificate it signed, as files in `dir` and as PEM text. */
export interface Certificate {
  dir: string;
  /** The test CA's certificate, for clients to trust. */
  caFile: string;
  ca: string;
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

/**
 * A certificate for localhost and 127.0.0.1, signed by a CA made for this
 * run (clients reject a self-signed certificate used directly by a server).
 */
export async function makeCertificate(): Promise<Certificate> {
  const dir = await Deno.makeTempDir({ prefix: "weft-tls-" });
  const openssl = async (...args: string[]) => {
    const made = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
      .output();
    if (!made.success) throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(made.stderr)}`);
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(
    "req",
    "-x509",
    ...ec,
    "-days",
    "1",
    "-subj",
    "/CN=weft test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  );
  await openssl("req", ...ec, "-subj", "/CN=localhost", "-keyout", "key.pem", "-out", "leaf.csr");
  await Deno.writeTextFile(
    `${dir}/leaf.ext`,
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
  );
  await openssl(
    "x509",
    "-req",
    "-in",
    "leaf.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "leaf.ext",
    "-out",
    "cert.pem",
  );
  const read = (name: string) => Deno.readTextFile(`${dir}/${name}`);
  return {
    dir,
    caFile: `${dir}/ca.pem`,
    ca: await read("ca.pem"),
    certFile: `${dir}/cert.pem`,
    keyFile: `${dir}/key.pem`,
    cert: await read("cert.pem"),
    key: await read("key.pem"),
  };
}
