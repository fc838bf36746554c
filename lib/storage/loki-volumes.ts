import { Release } from "@cdktf/provider-helm/lib/release";
import { Construct } from "constructs";
import { InPlaceGuard } from "../loki/in-place-guard";
import type { Names } from "../names";
import type { ResolvedSettings } from "../settings";
import { LokiStorageClass } from "./storage-class";

/** The storage class and the plan-time guard around the Loki release. */
export interface LokiVolumes {
  /** The gp3 class the stack creates; absent when `storageClass` names an existing class. */
  readonly storageClass?: LokiStorageClass;
  /** The check of the deployed StatefulSets against what the stack wants. */
  readonly guard: InPlaceGuard;
}

/**
 * Makes the Loki release's volumes bind on any EKS cluster and its changes safe to plan:
 * - creates the gp3 StorageClass (unless `storageClass` names one), after the EBS CSI driver check, and makes the
 *   release wait for it;
 * - adds the in-place guard's checks to the release's `lifecycle.precondition`.
 */
export function addLokiVolumes(scope: Construct, settings: ResolvedSettings, names: Names, release: Release): LokiVolumes {
  let storageClass: LokiStorageClass | undefined;
  if (settings.storageClassProvisioner !== undefined) {
    storageClass = new LokiStorageClass(scope, "StorageClass", {
      name: settings.storageClass,
      provisioner: settings.storageClassProvisioner,
      clusterName: settings.clusterName,
    });
    const dependency = `${storageClass.resource.terraformResourceType}.${storageClass.resource.friendlyUniqueId}`;
    release.dependsOn = [...(release.dependsOn ?? []), dependency];
  }

  const claim = (size: string) => ({ size, storageClass: settings.storageClass });
  const guard = new InPlaceGuard(scope, "InPlaceGuard", {
    namespace: names.namespace,
    releaseName: names.releaseName,
    desired: {
      fullname: names.fullname,
      ingester: claim(settings.ingesterVolumeSize),
      compactor: claim(settings.compactorVolumeSize),
      zoneAwareReplication: settings.zoneAwareReplication,
      zoneMigration: settings.zoneMigrationStage !== undefined,
    },
  });
  release.lifecycle = { ...release.lifecycle, precondition: [...(release.lifecycle?.precondition ?? []), ...guard.preconditions] };
  return { storageClass, guard };
}
