"""Corrects what moto 5.2.5 answers unlike AWS where driftscan depends on it.

1. GetBucketVersioning: moto serializes it with the root element `GetBucketVersioningResponse`;
   AWS answers `<VersioningConfiguration>` and the Rust SDK's parser insists on it (botocore
   does not, which is why moto's own tests pass).
2. DeleteCacheSubnetGroup: moto does not implement it (AWS does:
   https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteCacheSubnetGroup.html),
   so an environment's teardown could not remove its cache subnet group.
3. PutImageScanningConfiguration: the Rust SDK leaves `scanOnPush: false` out of the request
   (false is the member's default), and moto ignores a configuration without members, so scanning
   could never be turned off; AWS reads the missing member as false
   (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageScanningConfiguration.html).

Idempotent; fails loudly when moto's code is neither the known original nor already patched, so
a moto upgrade is noticed rather than silently unpatched.
"""

import pathlib
import sys

PATCHES = [
    (
        "s3/responses.py",
        "GetBucketVersioning",
        '''        versioning = self.backend.get_bucket_versioning(self.bucket_name)
        result = {"Status": versioning}
        self.data["Action"] = "GetBucketVersioning"
        return self.serialized(ActionResult(result))
''',
        '''        versioning = self.backend.get_bucket_versioning(self.bucket_name)
        # driftscan: AWS's root element (scripts/patch-moto.py).
        status = f"<Status>{versioning}</Status>" if versioning else ""
        return 200, {}, (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"{status}</VersioningConfiguration>"
        )
''',
    ),
    (
        "elasticache/responses.py",
        "DeleteCacheSubnetGroup",
        '''        result = {"CacheSubnetGroups": cache_subnet_groups}
        return PaginatedResult(result)
''',
        '''        result = {"CacheSubnetGroups": cache_subnet_groups}
        return PaginatedResult(result)

    def delete_cache_subnet_group(self) -> EmptyResult:
        # driftscan: AWS's DeleteCacheSubnetGroup, which moto lacks (scripts/patch-moto.py).
        from .exceptions import CacheSubnetGroupNotFound

        name = self._get_param("CacheSubnetGroupName")
        groups = self.elasticache_backend.cache_subnet_groups
        if name not in groups:
            raise CacheSubnetGroupNotFound(name)
        del groups[name]
        return EmptyResult()
''',
    ),
    (
        "ecr/models.py",
        "PutImageScanningConfiguration",
        '''        if image_scanning_configuration:
            self.image_scanning_configuration = image_scanning_configuration
''',
        '''        # driftscan: a missing scanOnPush is false, as on AWS (scripts/patch-moto.py).
        if image_scanning_configuration is not None:
            on = bool(image_scanning_configuration.get("scanOnPush", False))
            self.image_scanning_configuration = {"scanOnPush": on}
''',
    ),
]

root = pathlib.Path(sys.argv[1])
for relative, what, original, patched in PATCHES:
    path = root / relative
    text = path.read_text()
    if patched in text:
        continue
    if text.count(original) != 1:
        sys.exit(f"patch-moto: {path} has neither moto 5.2.5's {what} nor the patch")
    path.write_text(text.replace(original, patched, 1))
    print(f"patch-moto: patched {what} in {path}", file=sys.stderr)
