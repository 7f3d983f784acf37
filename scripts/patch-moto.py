"""Corrects the one moto 5.2.5 answer the Rust SDK cannot read.

moto serializes GetBucketVersioning with the root element `GetBucketVersioningResponse`;
AWS answers `<VersioningConfiguration>` and the Rust SDK's parser insists on it (botocore does
not, which is why moto's own tests pass). Idempotent; fails loudly when moto's code is neither the
known original nor already patched, so a moto upgrade is noticed rather than silently unpatched.
"""

import pathlib
import sys

ORIGINAL = '''        versioning = self.backend.get_bucket_versioning(self.bucket_name)
        result = {"Status": versioning}
        self.data["Action"] = "GetBucketVersioning"
        return self.serialized(ActionResult(result))
'''
PATCHED = '''        versioning = self.backend.get_bucket_versioning(self.bucket_name)
        # driftscan: AWS's root element (scripts/patch-moto.py).
        status = f"<Status>{versioning}</Status>" if versioning else ""
        return 200, {}, (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"{status}</VersioningConfiguration>"
        )
'''

path = pathlib.Path(sys.argv[1]) / "s3" / "responses.py"
text = path.read_text()
if PATCHED in text:
    sys.exit(0)
if ORIGINAL not in text:
    sys.exit(f"patch-moto: {path} has neither moto 5.2.5's GetBucketVersioning nor the patch")
path.write_text(text.replace(ORIGINAL, PATCHED, 1))
print(f"patch-moto: patched GetBucketVersioning in {path}", file=sys.stderr)
