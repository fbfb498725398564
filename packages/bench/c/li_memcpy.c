// The physical bound for the LI layer: a memcpy of the bytes every LI engine must move (read x, write
// v: 8 bytes a neuron-step), split over the threads. No arithmetic. Same command line and output as
// li_roofline.c, counted in "neuron-steps" (T·N floats copied) per second.
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static void copy(long n,const float*x,float*out){
  #pragma omp parallel
  { int th=omp_get_num_threads(), k=omp_get_thread_num(); long chunk=(n+th-1)/th, s=k*chunk, e=s+chunk<n?s+chunk:n;
    if(s<e) memcpy(out+s,x+s,sizeof(float)*(e-s)); }
}
int main(int c,char**argv){ int T=atoi(argv[1]); long N=atol(argv[2]); int reps=c>3?atoi(argv[3]):5;
  long n=(long)T*N; float*x=malloc(sizeof(float)*n),*o=malloc(sizeof(float)*n);
  for(long k=0;k<n;k++) x[k]=(float)((k*2654435761u)%1000)/1000.f;
  memset(o,0,sizeof(float)*n);
  int maxth=omp_get_max_threads(); for(int th=1;th<=maxth;th++){ omp_set_num_threads(th); double best=1e9;
    for(int r=0;r<reps;r++){ double t0=now(); copy(n,x,o); double d=now()-t0; if(d<best)best=d; }
    printf("T=%d N=%ld threads=%d best=%.4fs neuron_steps_per_s=%.3e checksum=%g\n",T,N,th,best,(double)n/best,o[n-1]); }
  return 0; }
